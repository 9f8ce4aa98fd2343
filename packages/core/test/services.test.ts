/** The create, get and process services against in-memory ports and the real sharp processor. */
import { BasicAnalysisProvider, SharpImageProcessor } from "@picstack/adapters/sharp";
import sharp from "sharp";
import { beforeEach, describe, expect, it } from "vitest";
import {
  ConflictError,
  createUpload,
  type DetailChanges,
  deleteImage,
  getImage,
  ImageNotFoundError,
  type ImageRecord,
  type ProcessUploadDeps,
  processUpload,
  purgeDeleted,
  restoreImage,
  UnsupportedMediaTypeError,
  updateImage,
} from "../src/index.js";
import { fixedClock, InMemoryImageRepository, InMemoryObjectStore } from "./fakes.js";

const MAX = 25 * 1024 * 1024;

async function jpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: "#c05020" } })
    .jpeg()
    .toBuffer();
}

let images: InMemoryImageRepository;
let objects: InMemoryObjectStore;
let clock: ReturnType<typeof fixedClock>;
let deps: ProcessUploadDeps;

beforeEach(() => {
  images = new InMemoryImageRepository();
  objects = new InMemoryObjectStore();
  clock = fixedClock();
  deps = {
    images,
    objects,
    clock,
    processor: new SharpImageProcessor(),
    leaseSeconds: 60,
    provider: new BasicAnalysisProvider(),
  };
});

/** Creates an image as a client would and "uploads" the bytes. */
async function uploaded(bytes: Uint8Array, contentType = "image/jpeg", declaredSize = bytes.byteLength) {
  const { image } = await createUpload({ images, objects, clock, maxUploadBytes: MAX }, "alice", {
    filename: "a.jpg",
    contentType,
    size: declaredSize,
  });
  const key = (await images.get(image.id))?.originalKey as string;
  await objects.put(key, bytes, contentType);
  return { id: image.id, key };
}

describe("createUpload", () => {
  it("stores a pending record and presigns its key with the declared type and size", async () => {
    // Act
    const { image, upload } = await createUpload({ images, objects, clock, maxUploadBytes: MAX }, "alice", {
      filename: "beach.jpg",
      contentType: "IMAGE/JPEG",
      size: 1234,
      note: "  ",
      tags: [" Beach", "beach", "Sun"],
    });
    // Assess
    const record = await images.get(image.id);
    expect(record).toMatchObject({
      userId: "alice",
      status: "pending",
      contentType: "image/jpeg",
      size: 1234,
    });
    expect(record?.note).toBeNull();
    expect(record?.tags).toEqual(["beach", "sun"]);
    expect(record?.originalKey).toBe(`images/2026/03/${image.id}.jpg`);
    expect(objects.presigned).toEqual([{ key: record?.originalKey, contentType: "image/jpeg", size: 1234 }]);
    expect(upload.method).toBe("PUT");
    expect(image).not.toHaveProperty("userId");
    expect(image).not.toHaveProperty("originalKey");
  });

  it("stores nothing when the type is refused", async () => {
    await expect(
      createUpload({ images, objects, clock, maxUploadBytes: MAX }, "alice", {
        filename: "a.svg",
        contentType: "image/svg+xml",
        size: 10,
      }),
    ).rejects.toThrow(UnsupportedMediaTypeError);
    expect(images.records.size).toBe(0);
    expect(objects.presigned).toHaveLength(0);
  });
});

describe("getImage", () => {
  it("answers another user's image exactly like a missing one", async () => {
    const { id } = await uploaded(await jpeg(10, 10));
    await expect(getImage({ images, objects }, "bob", id)).rejects.toThrow(ImageNotFoundError);
    await expect(getImage({ images, objects }, "bob", "nope")).rejects.toThrow(ImageNotFoundError);
  });

  it("signs URLs only for what exists", async () => {
    const { id } = await uploaded(await jpeg(10, 10));
    expect((await getImage({ images, objects }, "alice", id)).urls).toEqual({});
    await processUpload(deps, { key: (await images.get(id))?.originalKey as string });
    const ready = await getImage({ images, objects }, "alice", id);
    expect(Object.keys(ready.urls ?? {}).sort()).toEqual(["original", "preview", "thumb"]);
  });
});

describe("processUpload", () => {
  it("makes WebP thumbnails at the layout's keys and marks the image ready", async () => {
    // Prepare
    const { id, key } = await uploaded(await jpeg(1600, 1200));
    // Act
    const outcome = await processUpload(deps, { key, size: (await images.get(id))?.size });
    // Assess
    expect(outcome).toEqual({ outcome: "ready", id });
    const record = await images.get(id);
    expect(record).toMatchObject({ status: "ready", width: 1600, height: 1200, format: "jpeg" });
    expect(record?.thumbnails?.thumb).toEqual({
      key: `thumbnails/2026/03/${id}_thumb.webp`,
      width: 256,
      height: 192,
    });
    expect(record?.thumbnails?.preview).toEqual({
      key: `thumbnails/2026/03/${id}_preview.webp`,
      width: 1024,
      height: 768,
    });
    const thumb = objects.objects.get(`thumbnails/2026/03/${id}_thumb.webp`);
    expect(thumb?.contentType).toBe("image/webp");
    expect((await sharp(thumb?.body).metadata()).format).toBe("webp");
    expect(record?.leaseUntil).toBeUndefined();
  });

  it("does the work once when the same upload is delivered twice", async () => {
    const { key } = await uploaded(await jpeg(64, 48));
    await processUpload(deps, { key });
    objects.objects.clear();

    const second = await processUpload(deps, { key });

    expect(second).toMatchObject({ outcome: "skipped", reason: "already_claimed" });
    expect(objects.objects.size).toBe(0);
  });

  it("lets a redelivery take over an image whose worker's lease ran out", async () => {
    const { id, key } = await uploaded(await jpeg(64, 48));
    await images.claimForProcessing(
      (await images.get(id)) as ImageRecord,
      clock.now().toISOString(),
      new Date(clock.now().getTime() + 60_000).toISOString(),
    );
    expect(await processUpload(deps, { key })).toMatchObject({
      outcome: "skipped",
      reason: "already_claimed",
    });

    clock.advance(61);

    expect(await processUpload(deps, { key })).toEqual({ outcome: "ready", id });
  });

  it("fails a size that differs from the declared one and removes the bytes", async () => {
    const bytes = await jpeg(64, 48);
    const { id, key } = await uploaded(bytes, "image/jpeg", bytes.byteLength + 1);

    const outcome = await processUpload(deps, { key });

    expect(outcome).toEqual({ outcome: "failed", id, code: "size_mismatch" });
    expect((await images.get(id))?.error?.code).toBe("size_mismatch");
    expect(objects.objects.has(key)).toBe(false);
  });

  it("fails text named as a PNG as unsupported_format and removes the bytes", async () => {
    const { id, key } = await uploaded(Buffer.from("not an image at all\n".repeat(10)), "image/png");

    const outcome = await processUpload(deps, { key });

    expect(outcome).toEqual({ outcome: "failed", id, code: "unsupported_format" });
    expect(objects.objects.has(key)).toBe(false);
  });

  it("fails a truncated JPEG as corrupt_image", async () => {
    const whole = await jpeg(800, 600);
    const { id, key } = await uploaded(whole.subarray(0, Math.floor(whole.byteLength / 2)));

    expect(await processUpload(deps, { key })).toEqual({ outcome: "failed", id, code: "corrupt_image" });
  });

  it("skips keys outside the layout and deletes bytes no image owns", async () => {
    await objects.put("images/2026/03/01m819gdvpkk9mqydbm4k3rth8.jpg", new Uint8Array([1]), "image/jpeg");

    expect(await processUpload(deps, { key: "elsewhere/a.jpg" })).toMatchObject({ reason: "outside_layout" });
    expect(await processUpload(deps, { key: "images/2026/03/01m819gdvpkk9mqydbm4k3rth8.jpg" })).toMatchObject(
      {
        reason: "unknown_image",
      },
    );
    expect(objects.objects.size).toBe(0);
  });

  it("lets a storage outage propagate, so the message is retried, without failing the image", async () => {
    const { id, key } = await uploaded(await jpeg(64, 48));
    objects.failReads = 1;

    await expect(processUpload(deps, { key })).rejects.toThrow("storage unavailable");

    expect((await images.get(id))?.status).toBe("processing");
    clock.advance(61);
    expect(await processUpload(deps, { key })).toEqual({ outcome: "ready", id });
  });
});

describe("purgeDeleted", () => {
  it("removes record, original and thumbnails after the retention period, and nothing before", async () => {
    // Prepare: two processed images, both deleted; one of them 8 days ago.
    const old = await uploaded(await jpeg(64, 48));
    const recent = await uploaded(await jpeg(64, 48));
    await processUpload(deps, { key: old.key });
    await processUpload(deps, { key: recent.key });
    await deleteImage(deps, "alice", old.id);
    clock.advance(8 * 86_400);
    await deleteImage(deps, "alice", recent.id);
    const oldThumbs = Object.values((await images.get(old.id))?.thumbnails ?? {}).map((t) => t.key);

    // Act
    const result = await purgeDeleted({ ...deps, retentionDays: 7 });

    // Assess
    expect(result.purged).toEqual([old.id]);
    expect(await images.get(old.id)).toBeUndefined();
    for (const key of [old.key, ...oldThumbs]) expect(objects.objects.has(key), key).toBe(false);
    expect(await images.get(recent.id)).toBeDefined();
    expect(objects.objects.has(recent.key)).toBe(true);
  });
});

/**
 * A repository whose writes are conditional on the tags as read, as DynamoDB's are, and a worker that
 * merges AI tags right after each of the first `races` reads: the user's write then meets changed tags.
 */
class RacingRepository extends InMemoryImageRepository {
  races = 0;
  writes = 0;
  override async get(id: string): Promise<ImageRecord | undefined> {
    const read = await super.get(id);
    const stored = this.records.get(id);
    if (stored && this.races > 0) {
      this.races--;
      stored.tags = [...stored.tags, `ai-${this.races}`];
    }
    return read;
  }
  private check(record: ImageRecord): void {
    this.writes++;
    if (this.records.get(record.id)?.tags.join() !== record.tags.join())
      throw new ConflictError("tags moved");
  }
  override async softDelete(record: ImageRecord, now: string): Promise<void> {
    this.check(record);
    return super.softDelete(record, now);
  }
  override async updateDetails(record: ImageRecord, now: string, changes: DetailChanges) {
    this.check(record);
    return super.updateDetails(record, now, changes);
  }
  override async restore(record: ImageRecord, now: string): Promise<ImageRecord> {
    this.check(record);
    return super.restore(record, now);
  }
}

describe("a user's write racing the worker", () => {
  let racing: RacingRepository;
  let manage: ProcessUploadDeps & { retentionDays: number };
  beforeEach(() => {
    racing = new RacingRepository();
    images = racing;
    manage = { ...deps, images: racing, retentionDays: 7 };
  });

  it("deletes, edits and restores an image whose tags the worker changed between read and write", async () => {
    // Prepare
    const { id } = await uploaded(await jpeg(64, 48));

    // Act and assess: each write meets changed tags once, reads again and lands.
    racing.races = 1;
    const edited = await updateImage(manage, "alice", id, { note: "kept" });
    expect(edited.note).toBe("kept");
    racing.races = 1;
    await deleteImage(manage, "alice", id);
    expect((await racing.get(id))?.deletedAt).toBeDefined();
    racing.races = 1;
    await restoreImage(manage, "alice", id);
    expect((await racing.get(id))?.deletedAt).toBeUndefined();
  });

  it("answers a conflict when the record keeps changing, after a bounded number of tries", async () => {
    const { id } = await uploaded(await jpeg(64, 48));
    racing.races = 100;
    racing.writes = 0;
    await expect(deleteImage(manage, "alice", id)).rejects.toBeInstanceOf(ConflictError);
    expect(racing.writes).toBe(3);
    expect((await racing.get(id))?.deletedAt).toBeUndefined();
  });
});
