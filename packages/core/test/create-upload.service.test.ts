/** createUpload and its input schema against the in-memory ports. */
import { createHash } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type CreateImageInput,
  type CreateUploadDeps,
  createImageInput,
  createUpload,
  MAX_DUPLICATES,
  PayloadTooLargeError,
  type PresignedUpload,
  processUpload,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../src/index.js";
import {
  fakeImage,
  fakeWorkerDeps,
  fixedClock,
  InMemoryImageRepository,
  InMemoryObjectStore,
  uploadedImage,
} from "./fakes.js";

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

describe("createUpload with sha256", () => {
  const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
  let worker: ReturnType<typeof fakeWorkerDeps<InMemoryImageRepository>>;

  beforeEach(() => {
    worker = fakeWorkerDeps(new InMemoryImageRepository());
  });

  /** Through the route's schema, as the handler parses the body. */
  const create = (userId: string, input: Partial<CreateImageInput>) =>
    createUpload(
      { ...worker, maxUploadBytes: 1_000_000 },
      userId,
      createImageInput.parse({ filename: "a.jpg", contentType: "image/jpeg", size: 100, ...input }),
    );

  /** An image of `userId` with `bytes`, processed to `ready`. */
  async function processed(bytes: Uint8Array, options: { userId?: string; sha256?: string } = {}) {
    const upload = await uploadedImage(worker, bytes, options);
    await processUpload(worker, { key: upload.key, size: upload.size });
    return upload;
  }

  it("accepts 64 hex characters in any case and stores them lower-case; refuses anything else", () => {
    // Prepare
    const base = { filename: "a.jpg", contentType: "image/jpeg", size: 1 };
    // Act
    const parsed = createImageInput.parse({ ...base, sha256: "AB".repeat(32) });
    // Assess
    expect(parsed.sha256).toBe("ab".repeat(32));
    for (const bad of ["ab".repeat(31), `${"ab".repeat(32)}0`, "zz".repeat(32), "", 42]) {
      expect(createImageInput.safeParse({ ...base, sha256: bad }).success).toBe(false);
    }
  });

  it("binds the presigned upload to the digest and stores it as declared", async () => {
    // Prepare
    const digest = "0f".repeat(32);
    // Act
    const { image, upload } = await create("alice", { sha256: digest });
    // Assess
    expect(worker.objects.presigned.at(-1)).toMatchObject({ sha256: digest });
    expect(upload.headers?.["x-amz-checksum-sha256"]).toBe(Buffer.from(digest, "hex").toString("base64"));
    expect((await worker.images.get(image.id))?.declaredSha256).toBe(digest);
  });

  it("lists the caller's ready, visible images with that digest, never another user's nor itself", async () => {
    // Prepare
    const bytes = fakeImage({ fill: 0x33 });
    const digest = sha256(bytes);
    const first = await processed(bytes, { userId: "alice" });
    const second = await processed(bytes, { userId: "alice", sha256: digest });
    const deleted = await processed(bytes, { userId: "alice" });
    await worker.images.softDelete(
      (await worker.images.get(deleted.id)) as NonNullable<Awaited<ReturnType<typeof worker.images.get>>>,
      "2026-03-04T06:00:00.000Z",
    );
    await processed(bytes, { userId: "bob" });
    await processed(fakeImage({ fill: 0x34 }), { userId: "alice" });
    // Act
    const mine = await create("alice", { sha256: digest.toUpperCase() });
    const theirs = await create("carol", { sha256: digest });
    const without = await create("alice", {});
    // Assess
    expect(mine.duplicates.sort()).toEqual([first.id, second.id].sort());
    expect(mine.duplicates).not.toContain(mine.image.id);
    expect(theirs.duplicates).toEqual([]);
    expect(without.duplicates).toEqual([]);
  });

  it("asks the repository for at most MAX_DUPLICATES", async () => {
    // Prepare
    const asked: number[] = [];
    const original = worker.images.findBySha256.bind(worker.images);
    worker.images.findBySha256 = (userId, digest, limit) => {
      asked.push(limit);
      return original(userId, digest, limit);
    };
    // Act
    await create("alice", { sha256: "aa".repeat(32) });
    // Assess
    expect(asked).toEqual([MAX_DUPLICATES]);
  });
});
