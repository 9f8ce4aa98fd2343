/** The SDK against the real stack: what the web gallery and the CLI rely on. */
import { fileSha256, PicstackClient, PicstackError, UploadError } from "@picstack/sdk";
import { describe, expect, it } from "vitest";
import { outputs, photoJpeg, tokenFor } from "./helpers.js";

const clientFor = async (user: string) =>
  new PicstackClient({ baseUrl: outputs().apiUrl, token: await tokenFor(user) });

describe("SDK on the local stack", () => {
  it("uploads with progress, waits until ready and analysed, and finds the image by tag", async () => {
    // Prepare
    const picstack = await clientFor(`sdk-${Date.now()}`);
    const bytes = await photoJpeg(1200, 900);
    const progress: number[] = [];

    // Act
    const pending = await picstack.createUpload(
      { data: bytes, filename: "harbour.jpg" },
      { tags: ["Harbour"], onProgress: ({ loaded, total }) => progress.push(loaded / total) },
    );
    const ready = await picstack.waitUntilReady(pending.id, { timeoutMs: 60_000 });

    // Assess
    expect(pending.status).toBe("pending");
    expect(progress.at(-1)).toBe(1);
    expect(ready).toMatchObject({ id: pending.id, status: "ready", width: 1200, height: 900 });
    expect(ready.analysis.status).toBe("done");
    expect(ready.tags).toContain("harbour");
    const thumb = await fetch(ready.urls?.thumb ?? "");
    expect(thumb.headers.get("content-type")).toBe("image/webp");
    const found = [];
    for await (const image of picstack.iterateImages({ tag: "harbour", limit: 1 })) found.push(image.id);
    expect(found).toEqual([pending.id]);
  });

  it("pages through every image with cursors, and deletes and restores", async () => {
    const picstack = await clientFor(`sdk-pages-${Date.now()}`);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { image } = await picstack.createImage({
        filename: `p${i}.png`,
        contentType: "image/png",
        size: 10,
      });
      ids.push(image.id);
    }
    const seen: string[] = [];
    for await (const image of picstack.iterateImages({ limit: 2, order: "asc" })) seen.push(image.id);
    expect(seen).toEqual(ids);

    await picstack.deleteImage(ids[0] as string);
    const missing = await picstack.getImage(ids[0] as string).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(PicstackError);
    expect(missing).toMatchObject({ status: 404, code: "image_not_found" });
    await expect(picstack.restoreImage(ids[0] as string)).resolves.toMatchObject({ id: ids[0] });
  });

  it("reports the API's validation codes and storage's refusal of other bytes", async () => {
    const picstack = await clientFor(`sdk-errors-${Date.now()}`);
    await expect(
      picstack.createImage({ filename: "a.svg", contentType: "image/svg+xml", size: 10 }),
    ).rejects.toMatchObject({ status: 415, code: "unsupported_media_type" });
    await expect(picstack.updateImage("nope", { note: "x" })).rejects.toMatchObject({
      code: "image_not_found",
    });

    // The presigned upload binds the declared size: more bytes are refused by storage.
    const { upload } = await picstack.createImage({ filename: "a.jpg", contentType: "image/jpeg", size: 10 });
    const error = await picstack.sendBytes(upload, new Uint8Array(20), "image/jpeg").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect((error as UploadError).status).toBeGreaterThanOrEqual(400);
    expect((error as UploadError).status).toBeLessThan(500);
  });

  it("knows a file it already has by its SHA-256, and finds images by a note and by likeness", async () => {
    // Prepare
    const picstack = await clientFor(`sdk-search-${Date.now()}`);
    const bytes = await photoJpeg(1000, 700);
    const sha256 = await fileSha256(bytes);
    const duplicatesSeen: string[][] = [];

    // Act: the first upload declares its digest, and the server has no image with it yet.
    const first = await picstack.createUpload(
      { data: bytes, filename: "quay.jpg" },
      { sha256: true, note: "the ferry past the lighthouse", onCreated: (_, d) => duplicatesSeen.push(d) },
    );
    const ready = await picstack.waitUntilReady(first.id, { timeoutMs: 60_000 });
    const skipped: string[] = [];
    const again = await picstack.createUpload(
      { data: bytes, filename: "quay-again.jpg" },
      { skipDuplicates: true, onSkipped: (existing) => skipped.push(existing.id) },
    );

    // Assess: the second upload made nothing that stays, and answered with the first image.
    expect(duplicatesSeen).toEqual([[]]);
    expect(ready.checksum).toEqual({ sha256 });
    expect(again.id).toBe(first.id);
    expect(skipped).toEqual([first.id]);
    const listed: string[] = [];
    for await (const image of picstack.iterateImages()) listed.push(image.id);
    expect(listed).toEqual([first.id]);

    // A word of its note finds it (the index may take a moment to learn of a new image).
    await expect
      .poll(async () => (await picstack.search({ query: "lighthouse" })).items[0]?.image.id, {
        timeout: 60_000,
        interval: 1000,
      })
      .toBe(first.id);
    const byWords = await picstack.search({ query: "lighthouse", mode: "text" });
    expect(byWords.mode).toBe("text");
    expect(byWords.items[0]?.matched).toContain("note");
    expect(byWords.items[0]?.score).toBeGreaterThan(0);

    // The same bytes uploaded without a digest are still the same file: a duplicate of the first.
    const copy = await picstack.createUpload({ data: bytes, filename: "copy.jpg" });
    await picstack.waitUntilReady(copy.id, { timeoutMs: 60_000 });
    await expect
      .poll(async () => (await picstack.similar(first.id)).items.map((i) => `${i.kind} ${i.image.id}`), {
        timeout: 60_000,
        interval: 1000,
      })
      .toContain(`duplicate ${copy.id}`);
  });

  it("refuses a request with a bad token as unauthorized", async () => {
    const picstack = new PicstackClient({ baseUrl: outputs().apiUrl, token: "not.a.jwt" });
    await expect(picstack.listImages()).rejects.toMatchObject({ status: 401, code: "unauthorized" });
  });
});
