/** getImage against the in-memory ports: ownership, and what a client sees of a record. */
import { beforeEach, describe, expect, it } from "vitest";
import { getImage, ImageNotFoundError, type ImageRecord } from "../src/index.js";
import { InMemoryImageRepository, InMemoryObjectStore } from "./fakes.js";

const NOW = "2026-03-04T05:06:07.000Z";

let images: InMemoryImageRepository;
let objects: InMemoryObjectStore;

beforeEach(() => {
  images = new InMemoryImageRepository();
  objects = new InMemoryObjectStore();
});

describe("getImage", () => {
  const base: ImageRecord = {
    id: "img1",
    userId: "alice",
    status: "pending",
    filename: "a.jpg",
    contentType: "image/jpeg",
    size: 10,
    originalKey: "images/2026/03/img1.jpg",
    createdAt: NOW,
    updatedAt: NOW,
    note: null,
    tags: [],
    analysis: { status: "pending", tags: [] },
  };
  const thumbnails = {
    thumb: { key: "thumbnails/2026/03/img1_thumb.webp", width: 256, height: 192 },
    preview: { key: "thumbnails/2026/03/img1_preview.webp", width: 1024, height: 768 },
  };

  async function errorFrom(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error("expected a rejection");
  }

  it("answers another user's image exactly like a missing one, and a deleted one too", async () => {
    // Prepare
    await images.create({ ...base, status: "ready", thumbnails });
    await images.create({ ...base, id: "gone", deletedAt: NOW });
    // Act
    const missing = await errorFrom(getImage({ images, objects }, "bob", "nope"));
    const foreign = await errorFrom(getImage({ images, objects }, "bob", "img1"));
    const deleted = await errorFrom(getImage({ images, objects }, "alice", "gone"));
    // Assess
    expect(missing).toBeInstanceOf(ImageNotFoundError);
    for (const error of [foreign, deleted]) {
      expect(error).toBeInstanceOf(ImageNotFoundError);
      expect({ name: error.name, message: error.message, code: (error as ImageNotFoundError).code }).toEqual({
        name: missing.name,
        message: missing.message,
        code: "image_not_found",
      });
    }
  });

  it.each([
    ["pending", {}, {}],
    ["processing", {}, { original: "https://storage.test/images/2026/03/img1.jpg?get" }],
    [
      "ready",
      { thumbnails },
      {
        original: "https://storage.test/images/2026/03/img1.jpg?get",
        thumb: "https://storage.test/thumbnails/2026/03/img1_thumb.webp?get",
        preview: "https://storage.test/thumbnails/2026/03/img1_preview.webp?get",
      },
    ],
  ] as const)("signs URLs only for what exists: %s", async (status, extra, urls) => {
    // Prepare
    await images.create({ ...base, status, ...extra });
    // Act
    const image = await getImage({ images, objects }, "alice", "img1");
    // Assess
    expect(image.urls).toEqual(urls);
    expect(image).not.toHaveProperty("error");
  });

  it("gives a failed image its error and no original URL, since its bytes are gone", async () => {
    // Prepare
    const error = { code: "corrupt_image", message: "The image could not be decoded" };
    await images.create({ ...base, status: "failed", error });
    // Act
    const image = await getImage({ images, objects }, "alice", "img1");
    // Assess
    expect(image.status).toBe("failed");
    expect(image.error).toEqual(error);
    expect(image.urls).toEqual({});
  });

  it("answers a failed image's analysis as skipped, also for a record stored with it still pending", async () => {
    // Prepare: records that failed before the worker marked their analysis skipped kept it pending.
    const error = { code: "corrupt_image", message: "The image could not be decoded" };
    await images.create({ ...base, status: "failed", error, analysis: { status: "pending", tags: [] } });
    await images.create({ ...base, id: "img2", status: "ready", analysis: { status: "pending", tags: [] } });
    // Act
    const failed = await getImage({ images, objects }, "alice", "img1");
    const ready = await getImage({ images, objects }, "alice", "img2");
    // Assess
    expect(failed.analysis.status).toBe("skipped");
    expect(ready.analysis.status).toBe("pending");
  });

  it("shows thumbnail dimensions but never storage keys, owner or lease", async () => {
    // Prepare
    await images.create({ ...base, status: "ready", width: 1600, height: 1200, format: "jpeg", thumbnails });
    await images.create({ ...base, id: "img2", status: "processing", leaseUntil: NOW });
    // Act
    const ready = await getImage({ images, objects }, "alice", "img1");
    const processing = await getImage({ images, objects }, "alice", "img2");
    // Assess
    expect(ready.thumbnails).toEqual({
      thumb: { width: 256, height: 192 },
      preview: { width: 1024, height: 768 },
    });
    expect(ready).toMatchObject({ width: 1600, height: 1200, format: "jpeg" });
    const text = JSON.stringify([ready, processing]);
    expect(text).not.toContain("alice");
    expect(text).not.toContain("leaseUntil");
    expect(text).not.toContain('"key"');
    expect(text).not.toContain("originalKey");
  });
});
