/**
 * HEIC as phones write it (HEVC in HEIF: grids, irot/imir with EXIF repeating them, 10-bit, alpha, more
 * than one image, depth and gain maps), made with heif-enc (test/heic-files.ts) and uploaded through the
 * API of the local stack as a client does: each ends `ready` with upright WebP thumbnails without
 * metadata; a truncated one ends `failed` `corrupt_image`, a JPEG-coded HEIF `unsupported_format`.
 */
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { type HeicFixture, heicFixtures, isUpright, jpegInHeif, photoCorners } from "../heic-files.js";
import { tokenFor, uploadImage, waitForStatus } from "./helpers.js";

/** The new image's id. */
const upload = async (token: string, filename: string, data: Buffer, contentType: string) =>
  (await uploadImage(token, data, contentType, filename)).id;

async function download(url: unknown): Promise<Buffer> {
  const response = await fetch(url as string);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

let fixtures: HeicFixture[];
beforeAll(async () => {
  fixtures = await heicFixtures();
}, 120_000);

describe("HEIC uploads", () => {
  it("end ready with upright WebP thumbnails without metadata, for every kind phones write", async () => {
    // Prepare: the 10-bit one as image/heif (.heif), the rest as image/heic.
    const token = await tokenFor(`heic-${Date.now()}`);
    const uploads = await Promise.all(
      fixtures.map(async (f) => {
        const heif = f.name.startsWith("ten-bit");
        const name = heif ? f.name.replace(/\.heic$/, ".heif") : f.name;
        return { f, id: await upload(token, name, f.data, heif ? "image/heif" : "image/heic") };
      }),
    );

    // Act
    const images = await Promise.all(
      uploads.map((u) => waitForStatus(token, u.id, ["ready", "failed"], 120_000)),
    );

    // Assess
    for (const [i, image] of images.entries()) {
      const { f } = uploads[i] ?? {};
      if (!f) throw new Error("upload missing");
      const thumbSide = (side: number) => Math.round((side * 256) / Math.max(f.width, f.height));
      expect(image, f.name).toMatchObject({
        status: "ready",
        width: f.width,
        height: f.height,
        format: "heif",
        thumbnails: {
          thumb: { width: thumbSide(f.width), height: thumbSide(f.height) },
          preview: { width: f.width, height: f.height },
        },
      });
      if (f.camera) expect((image.exif as { camera?: string }).camera, f.name).toBe(f.camera);
      const urls = image.urls as Record<string, string>;
      for (const [size, url] of [
        ["thumb", urls.thumb],
        ["preview", urls.preview],
      ] as const) {
        const data = await download(url);
        const meta = await sharp(data).metadata();
        expect(meta.format, `${f.name} ${size}`).toBe("webp");
        expect([meta.exif, meta.icc, meta.xmp, meta.orientation], `${f.name} ${size} metadata`).toEqual([
          undefined,
          undefined,
          undefined,
          undefined,
        ]);
        expect(meta.hasAlpha, `${f.name} ${size} alpha`).toBe(f.alpha === true);
        const corners = await photoCorners(data);
        expect(isUpright(corners), `${f.name} ${size} upright: ${JSON.stringify(corners)}`).toBe(true);
      }
    }
  });

  it("end failed: a truncated HEIC with corrupt_image, a JPEG-coded HEIF with unsupported_format", async () => {
    // Prepare
    const token = await tokenFor(`heic-broken-${Date.now()}`);
    const whole = fixtures.find((f) => f.name === "grid-irot.heic")?.data;
    if (!whole) throw new Error("no grid fixture");
    const truncated = await upload(
      token,
      "cut.heic",
      whole.subarray(0, Math.floor(whole.length / 2)),
      "image/heic",
    );
    const jpegCoded = await upload(token, "jpeg-coded.heif", await jpegInHeif(), "image/heif");

    // Act
    const [cut, unsupported] = await Promise.all([
      waitForStatus(token, truncated, ["ready", "failed"]),
      waitForStatus(token, jpegCoded, ["ready", "failed"]),
    ]);

    // Assess
    expect(cut).toMatchObject({ status: "failed", error: { code: "corrupt_image" }, urls: {} });
    expect(unsupported).toMatchObject({ status: "failed", error: { code: "unsupported_format" }, urls: {} });
  });
});
