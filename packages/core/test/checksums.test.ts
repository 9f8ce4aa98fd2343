/**
 * Digests and duplicates: the worker stores the SHA-256 of the bytes it checked (and refuses bytes that
 * are not the ones declared), `POST /images` with `sha256` binds the upload and lists the caller's
 * ready images with that digest.
 */
import { createHash } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type CreateImageInput,
  createImageInput,
  createUpload,
  type ImageRecord,
  MAX_DUPLICATES,
  type ProcessUploadDeps,
  processUpload,
  toImage,
} from "../src/index.js";
import {
  FakeAnalysisProvider,
  FakeImageProcessor,
  fakeImage,
  fixedClock,
  InMemoryImageRepository,
  InMemoryObjectStore,
  uploadedImage,
} from "./fakes.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let images: InMemoryImageRepository;
let objects: InMemoryObjectStore;
let deps: ProcessUploadDeps;

beforeEach(() => {
  images = new InMemoryImageRepository();
  objects = new InMemoryObjectStore();
  deps = {
    images,
    objects,
    clock: fixedClock(),
    processor: new FakeImageProcessor(),
    leaseSeconds: 60,
    provider: new FakeAnalysisProvider(),
  };
});

/** Through the route's schema, as the handler parses the body. */
const create = (userId: string, input: Partial<CreateImageInput>) =>
  createUpload(
    { ...deps, maxUploadBytes: 1_000_000 },
    userId,
    createImageInput.parse({ filename: "a.jpg", contentType: "image/jpeg", size: 100, ...input }),
  );

/** An image of `userId` with `bytes`, processed to its final state. */
async function processed(bytes: Uint8Array, options: { userId?: string; sha256?: string } = {}) {
  const upload = await uploadedImage(deps, bytes, options);
  const outcome = await processUpload(deps, { key: upload.key, size: upload.size });
  return { ...upload, outcome, record: (await images.get(upload.id)) as ImageRecord };
}

describe("the worker's checksum", () => {
  it("stores the SHA-256 of the original it checked, and the image shows it once ready", async () => {
    // Prepare
    const bytes = fakeImage({ width: 300, height: 200 });
    // Act
    const { record, outcome } = await processed(bytes);
    // Assess
    expect(outcome.outcome).toBe("ready");
    expect(record.checksum).toEqual({ sha256: sha256(bytes) });
    expect(toImage(record).checksum).toEqual({ sha256: sha256(bytes) });
    expect(record.phash).toMatch(/^[0-9a-f]{16}$/);
  });

  it("accepts the bytes whose digest was declared", async () => {
    // Prepare
    const bytes = fakeImage();
    // Act
    const { record } = await processed(bytes, { sha256: sha256(bytes) });
    // Assess
    expect(record.status).toBe("ready");
    expect(record.declaredSha256).toBe(sha256(bytes));
    expect(record.checksum?.sha256).toBe(sha256(bytes));
  });

  it("fails other bytes than declared with checksum_mismatch, removes them and shows no checksum", async () => {
    // Prepare: the same size, other pixels, so only the digest tells them apart.
    const declared = fakeImage({ fill: 0x41 });
    const sent = fakeImage({ fill: 0x42 });
    // Act
    const { record, outcome, key } = await processed(sent, { sha256: sha256(declared) });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id: record.id, code: "checksum_mismatch" });
    expect(record.status).toBe("failed");
    expect(record.error).toEqual({ code: "checksum_mismatch", message: expect.stringMatching(/SHA-256/) });
    expect(objects.objects.has(key)).toBe(false);
    expect([...objects.objects.keys()].filter((k) => k.startsWith("thumbnails/"))).toEqual([]);
    expect(record.checksum).toBeUndefined();
    expect(toImage(record).checksum).toBeUndefined();
  });
});

describe("POST /images with sha256", () => {
  it("accepts 64 hex characters in any case and stores them lower-case; refuses anything else", () => {
    // Prepare
    const upper = "AB".repeat(32);
    const base = { filename: "a.jpg", contentType: "image/jpeg", size: 1 };
    // Act
    const parsed = createImageInput.parse({ ...base, sha256: upper });
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
    expect(objects.presigned.at(-1)).toMatchObject({ sha256: digest });
    expect(upload.headers?.["x-amz-checksum-sha256"]).toBe(Buffer.from(digest, "hex").toString("base64"));
    expect((await images.get(image.id))?.declaredSha256).toBe(digest);
  });

  it("lists the caller's ready, visible images with that digest, never another user's", async () => {
    // Prepare
    const bytes = fakeImage({ fill: 0x33 });
    const digest = sha256(bytes);
    const first = await processed(bytes, { userId: "alice" });
    const second = await processed(bytes, { userId: "alice", sha256: digest });
    const deleted = await processed(bytes, { userId: "alice" });
    await images.softDelete(deleted.record, "2026-03-04T06:00:00.000Z");
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
    const original = images.findBySha256.bind(images);
    images.findBySha256 = (userId, digest, limit) => {
      asked.push(limit);
      return original(userId, digest, limit);
    };
    // Act
    await create("alice", { sha256: "aa".repeat(32) });
    // Assess
    expect(asked).toEqual([MAX_DUPLICATES]);
  });
});
