/** createUpload and its input schema against the in-memory ports. */
import { beforeEach, describe, expect, it } from "vitest";
import {
  type CreateUploadDeps,
  createImageInput,
  createUpload,
  PayloadTooLargeError,
  type PresignedUpload,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../src/index.js";
import { fixedClock, InMemoryImageRepository, InMemoryObjectStore } from "./fakes.js";

const NOW = "2026-03-04T05:06:07.000Z";
const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

class RefusingObjectStore extends InMemoryObjectStore {
  override async presignUpload(): Promise<PresignedUpload> {
    throw new Error("signing is down");
  }
}

let images: InMemoryImageRepository;
let objects: InMemoryObjectStore;
let deps: CreateUploadDeps;

beforeEach(() => {
  images = new InMemoryImageRepository();
  objects = new InMemoryObjectStore();
  deps = { images, objects, clock: fixedClock(NOW), maxUploadBytes: 1000 };
});

describe("createUpload", () => {
  it("stores a pending record at the layout's key, created now, and presigns that key", async () => {
    // Act
    const { image, upload } = await createUpload(deps, "alice", {
      filename: "cat.png",
      contentType: " Image/PNG ",
      size: 999,
    });
    // Assess
    const record = await images.get(image.id);
    expect(record).toEqual({
      id: image.id,
      userId: "alice",
      status: "pending",
      filename: "cat.png",
      contentType: "image/png",
      size: 999,
      originalKey: `images/2026/03/${image.id}.png`,
      createdAt: NOW,
      updatedAt: NOW,
      note: null,
      tags: [],
      analysis: { status: "pending", tags: [] },
    });
    let time = 0;
    for (const char of image.id.slice(0, 10)) time = time * 32 + CROCKFORD.indexOf(char);
    expect(time).toBe(Date.parse(NOW));
    expect(objects.presigned).toEqual([{ key: record?.originalKey, contentType: "image/png", size: 999 }]);
    expect(upload).toEqual({
      method: "PUT",
      url: `https://storage.test/${record?.originalKey}?signed`,
      headers: { "Content-Type": "image/png" },
      expiresAt: "2030-01-01T00:10:00.000Z",
    });
  });

  it("answers the client-facing image: no owner, key or lease", async () => {
    // Act
    const { image } = await createUpload(deps, "alice", {
      filename: "a.jpg",
      contentType: "image/jpeg",
      size: 10,
      tags: ["X"],
    });
    // Assess
    expect(Object.keys(image).sort()).toEqual(
      [
        "analysis",
        "contentType",
        "createdAt",
        "filename",
        "id",
        "note",
        "size",
        "status",
        "tags",
        "updatedAt",
      ].sort(),
    );
    expect(image.tags).toEqual(["x"]);
  });

  it.each([
    ["  a walk on the beach \n", "a walk on the beach"],
    ["   ", null],
    ["", null],
    [null, null],
    [undefined, null],
  ])("stores the note %j as %j", async (note, stored) => {
    // Act
    const { image } = await createUpload(deps, "alice", {
      filename: "a.jpg",
      contentType: "image/jpeg",
      size: 10,
      note,
    });
    // Assess
    expect(image.note).toBe(stored);
    expect((await images.get(image.id))?.note).toBe(stored);
  });

  it("normalises tags before storing them", async () => {
    // Act
    const { image } = await createUpload(deps, "alice", {
      filename: "a.jpg",
      contentType: "image/jpeg",
      size: 10,
      tags: [" Sunset", "sunset ", "BEACH"],
    });
    // Assess
    expect((await images.get(image.id))?.tags).toEqual(["sunset", "beach"]);
  });

  it.each([
    ["a refused type", { contentType: "image/svg+xml", size: 10 }, UnsupportedMediaTypeError],
    ["a size over the maximum", { contentType: "image/jpeg", size: 1001 }, PayloadTooLargeError],
    [
      "more than 20 tags",
      { contentType: "image/jpeg", size: 10, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      ValidationError,
    ],
  ])("stores and presigns nothing for %s", async (_, input, errorType) => {
    // Act
    const result = createUpload(deps, "alice", { filename: "a", ...input });
    // Assess
    await expect(result).rejects.toBeInstanceOf(errorType);
    expect(images.records.size).toBe(0);
    expect(objects.presigned).toEqual([]);
  });

  it("leaves no orphan record when signing fails", async () => {
    // Prepare
    const refusing = { ...deps, objects: new RefusingObjectStore() };
    // Act
    const result = createUpload(refusing, "alice", {
      filename: "a.jpg",
      contentType: "image/jpeg",
      size: 10,
    });
    // Assess
    await expect(result).rejects.toThrow("signing is down");
    expect(images.records.size).toBe(0);
  });
});

describe("createImageInput", () => {
  it("trims the filename and refuses control characters, unknown fields and non-positive sizes", () => {
    // Assess
    expect(
      createImageInput.parse({ filename: "  a.jpg ", contentType: "image/jpeg", size: 1 }).filename,
    ).toBe("a.jpg");
    for (const bad of [
      { filename: "a\r\nb.jpg", contentType: "image/jpeg", size: 1 },
      { filename: "a.jpg", contentType: "image/jpeg", size: 0 },
      { filename: "a.jpg", contentType: "image/jpeg", size: 1.5 },
      { filename: "   ", contentType: "image/jpeg", size: 1 },
      { filename: "a.jpg", contentType: "image/jpeg", size: 1, userId: "mallory" },
    ]) {
      expect(createImageInput.safeParse(bad).success).toBe(false);
    }
  });
});
