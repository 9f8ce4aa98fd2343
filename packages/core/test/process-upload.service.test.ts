/**
 * processUpload on in-memory ports and fake images: the outcomes of one delivery, redeliveries and
 * ownership, transient failures, bytes written behind a final image, images whose worker died, and the
 * image step's gate. What real decoders make of real files is tested with the sharp processor in
 * packages/adapters.
 */
import { createHash } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type ImageInfo,
  type ImageProcessor,
  type ImageRecord,
  ORIGINAL_REPLACED,
  type ProcessUploadDeps,
  processUpload,
  RETRIES_EXHAUSTED,
  runRequestedAnalysis,
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

const NOW = "2026-03-04T05:06:07.000Z";
const LEASE_SECONDS = 60;

/** Counts what the service does with storage. */
class CountingObjectStore extends InMemoryObjectStore {
  reads = 0;
  puts: string[] = [];
  deletes: string[] = [];
  putError: Error | undefined;

  override async read(key: string): Promise<{ bytes: Uint8Array; etag: string }> {
    this.reads++;
    return super.read(key);
  }

  override async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    if (this.putError) throw this.putError;
    this.puts.push(key);
    return super.put(key, body, contentType);
  }

  override async delete(keys: string[]): Promise<void> {
    this.deletes.push(...keys);
    return super.delete(keys);
  }
}

/** A processor whose decoder fails the way an infrastructure problem would (not a rejection). */
class BrokenProcessor implements ImageProcessor {
  async inspect(): Promise<ImageInfo> {
    throw new Error("vips: out of memory");
  }
  async thumbnails(): Promise<never> {
    throw new Error("unreachable");
  }
}

/** Two fake JPEGs of exactly the same size with different pixels. */
const sameSizePair = (): [Uint8Array, Uint8Array] => [fakeImage({ fill: 0x41 }), fakeImage({ fill: 0x42 })];

let images: InMemoryImageRepository;
let objects: CountingObjectStore;
let clock: ReturnType<typeof fixedClock>;
let processor: FakeImageProcessor;
let deps: ProcessUploadDeps;

beforeEach(() => {
  images = new InMemoryImageRepository();
  objects = new CountingObjectStore();
  clock = fixedClock(NOW);
  processor = new FakeImageProcessor();
  deps = {
    images,
    objects,
    clock,
    processor,
    leaseSeconds: LEASE_SECONDS,
    provider: new FakeAnalysisProvider(),
  };
});

/** An image created through the service with `bytes` "uploaded" under its key; storage counts from zero. */
async function uploaded(bytes: Uint8Array, options: Parameters<typeof uploadedImage>[2] = {}) {
  const upload = await uploadedImage(deps, bytes, options);
  objects.puts = [];
  return upload;
}

const record = async (id: string) => (await images.get(id)) as ImageRecord;
const stored = (id: string) => [...objects.objects.keys()].filter((k) => k.includes(id));
const thumbnailObjects = () => [...objects.objects.keys()].filter((k) => k.startsWith("thumbnails/"));

describe("processUpload: ready", () => {
  it("stores WebP thumbnails at the layout keys with the dimensions it records", async () => {
    // Prepare
    const { id, key, size } = await uploaded(fakeImage({ width: 2000, height: 500 }));
    // Act
    const outcome = await processUpload(deps, { key, size });
    // Assess
    expect(outcome).toEqual({ outcome: "ready", id });
    const ready = await record(id);
    expect(ready).toMatchObject({ status: "ready", width: 2000, height: 500, format: "jpeg" });
    expect(ready.leaseUntil).toBeUndefined();
    expect(ready.error).toBeUndefined();
    expect(objects.puts.sort()).toEqual([
      `thumbnails/2026/03/${id}_preview.webp`,
      `thumbnails/2026/03/${id}_thumb.webp`,
    ]);
    expect(ready.thumbnails?.thumb).toMatchObject({ width: 256, height: 64 });
    expect(ready.thumbnails?.preview).toMatchObject({ width: 1024, height: 256 });
    for (const size of ["thumb", "preview"] as const) {
      const thumbnail = ready.thumbnails?.[size];
      const object = objects.objects.get(thumbnail?.key as string);
      expect(object?.contentType).toBe("image/webp");
      expect(await processor.inspect(object?.body as Uint8Array)).toMatchObject({
        format: "webp",
        width: thumbnail?.width,
        height: thumbnail?.height,
      });
    }
    expect(objects.objects.has(key)).toBe(true);
  });

  it("records the camera, capture time and dimensions read, and analyses the preview with them", async () => {
    // Prepare
    const provider = new FakeAnalysisProvider({ tags: ["Cat"], description: "A cat." });
    const bytes = fakeImage({
      width: 200,
      height: 300,
      camera: "Nikon Z 6",
      takenAt: "2025-08-09T10:11:12.000Z",
    });
    const { id, key } = await uploaded(bytes, { tags: ["mine"] });
    // Act
    await processUpload({ ...deps, provider }, { key });
    // Assess
    const ready = await record(id);
    expect(ready).toMatchObject({
      status: "ready",
      width: 200,
      height: 300,
      exif: { camera: "Nikon Z 6", takenAt: "2025-08-09T10:11:12.000Z" },
    });
    expect(provider.calls).toHaveLength(1);
    const [call] = provider.calls;
    expect(call?.features).toEqual({
      width: 200,
      height: 300,
      format: "jpeg",
      hasAlpha: false,
      pages: 1,
      camera: "Nikon Z 6",
    });
    // The model sees the preview, never the original.
    expect(call?.preview).toEqual(objects.objects.get(ready.thumbnails?.preview.key as string)?.body);
    expect(ready.analysis).toEqual({
      status: "done",
      provider: "fake",
      model: "fake-1",
      tags: ["cat"],
      description: "A cat.",
    });
    expect(ready.tags).toEqual(["mine", "cat"]);
  });

  it("keeps no EXIF block on a record whose original had none", async () => {
    // Prepare
    const { id, key } = await uploaded(fakeImage());
    // Act
    await processUpload(deps, { key });
    // Assess
    expect(await record(id)).not.toHaveProperty("exif");
  });

  it("accepts an allowed format other than the declared one, recording what the bytes are", async () => {
    // Prepare: a PNG declared as JPEG.
    const { id, key } = await uploaded(fakeImage({ format: "png" }), { contentType: "image/jpeg" });
    // Act
    const outcome = await processUpload(deps, { key });
    // Assess
    expect(outcome).toEqual({ outcome: "ready", id });
    expect(await record(id)).toMatchObject({ format: "png", contentType: "image/jpeg" });
  });
});

describe("processUpload: rejected files", () => {
  const whole = fakeImage({ width: 800, height: 600 });

  it.each([
    [
      "bytes that are no image",
      new TextEncoder().encode("hello, I am not a picture\n".repeat(20)),
      "unsupported_format",
    ],
    ["a truncated image", whole.subarray(0, whole.byteLength - 10), "corrupt_image"],
    ["an image cut inside its header", whole.subarray(0, 30), "corrupt_image"],
  ])("fails %s as the processor's %s, deletes the bytes and writes nothing", async (_, bytes, code) => {
    // Prepare
    const { id, key } = await uploaded(bytes, { contentType: "image/png" });
    // Act
    const outcome = await processUpload(deps, { key });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code });
    const failed = await record(id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toEqual({ code, message: expect.any(String) });
    expect(failed.leaseUntil).toBeUndefined();
    expect(failed.thumbnails).toBeUndefined();
    expect(objects.objects.has(key)).toBe(false);
    expect(objects.puts).toEqual([]);
    expect(thumbnailObjects()).toEqual([]);
  });

  it.each(["svg", "pdf", "magick", "html"])(
    "fails a file the decoder reads as %s (not an image type) as unsupported_format, before thumbnails",
    async (format) => {
      // Prepare
      const { id, key } = await uploaded(fakeImage({ format }), { contentType: "image/png" });
      // Act
      const outcome = await processUpload(deps, { key });
      // Assess
      expect(outcome).toEqual({ outcome: "failed", id, code: "unsupported_format" });
      expect((await record(id)).error?.message).toContain(format);
      expect(objects.objects.has(key)).toBe(false);
      expect(objects.puts).toEqual([]);
    },
  );

  it.each(["jpeg", "png", "webp", "gif", "tiff", "heif", "avif"])(
    "accepts a file the decoder reads as %s",
    async (format) => {
      // Prepare
      const { id, key } = await uploaded(fakeImage({ format }), { contentType: "image/png" });
      // Act / Assess
      expect(await processUpload(deps, { key })).toEqual({ outcome: "ready", id });
    },
  );

  it("fails an image over the pixel limit as too_many_pixels", async () => {
    // Prepare
    deps.processor = new FakeImageProcessor({ maxInputPixels: 1000 });
    const { id, key } = await uploaded(fakeImage({ format: "png", width: 100, height: 100 }));
    // Act
    const outcome = await processUpload(deps, { key });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code: "too_many_pixels" });
    expect(objects.objects.has(key)).toBe(false);
  });

  it("fails stored bytes of another size than declared as size_mismatch and deletes them", async () => {
    // Prepare
    const bytes = fakeImage();
    const { id, key } = await uploaded(bytes, { size: bytes.byteLength - 1 });
    // Act
    const outcome = await processUpload(deps, { key });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code: "size_mismatch" });
    const failed = await record(id);
    expect(failed.error?.code).toBe("size_mismatch");
    expect(failed.error?.message).toContain(String(bytes.byteLength));
    expect(objects.objects.has(key)).toBe(false);
  });

  it("fails on the notification's size alone, without reading the bytes", async () => {
    // Prepare
    const { id, key, size } = await uploaded(fakeImage());
    // Act
    const outcome = await processUpload(deps, { key, size: size + 1 });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code: "size_mismatch" });
    expect(objects.reads).toBe(0);
    expect(objects.objects.has(key)).toBe(false);
  });
});

describe("processUpload: redelivery and ownership", () => {
  it("does nothing for a second delivery of a processed upload whose original is unchanged", async () => {
    // Prepare
    const { id, key } = await uploaded(fakeImage());
    await processUpload(deps, { key });
    const before = await record(id);
    objects.puts = [];
    const reads = objects.reads;
    clock.advance(LEASE_SECONDS * 10);
    // Act
    const second = await processUpload(deps, { key });
    // Assess
    expect(second).toEqual({ outcome: "skipped", reason: "already_claimed", key });
    expect(objects.puts).toEqual([]);
    expect(objects.deletes).toEqual([]);
    expect(objects.reads).toBe(reads);
    expect(await record(id)).toEqual(before);
    expect(stored(id)).toHaveLength(3);
  });

  it("does nothing for a second delivery of a failed upload", async () => {
    // Prepare
    const { id, key } = await uploaded(new TextEncoder().encode("not an image"), {
      contentType: "image/png",
    });
    await processUpload(deps, { key });
    const before = await record(id);
    clock.advance(LEASE_SECONDS * 10);
    // Act
    const second = await processUpload(deps, { key });
    // Assess
    expect(second).toMatchObject({ outcome: "skipped", reason: "already_claimed" });
    expect(await record(id)).toEqual(before);
  });

  it("lets exactly one of two concurrent deliveries do the work", async () => {
    // Prepare
    const { id, key } = await uploaded(fakeImage());
    // Act
    const outcomes = await Promise.all([processUpload(deps, { key }), processUpload(deps, { key })]);
    // Assess
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["ready", "skipped"]);
    expect(objects.puts).toHaveLength(2);
    expect((await record(id)).status).toBe("ready");
  });

  it("leases for leaseSeconds and lets a redelivery take over only once the lease has run out", async () => {
    // Prepare: a worker claims, then crashes on a storage error.
    const { id, key } = await uploaded(fakeImage());
    objects.failReads = 1;
    await expect(processUpload(deps, { key })).rejects.toThrow();
    const leaseUntil = (await record(id)).leaseUntil;
    // Act
    clock.advance(LEASE_SECONDS);
    const atExpiry = await processUpload(deps, { key });
    clock.advance(1);
    const after = await processUpload(deps, { key });
    // Assess
    expect(leaseUntil).toBe(new Date(Date.parse(NOW) + LEASE_SECONDS * 1000).toISOString());
    expect(atExpiry).toMatchObject({ outcome: "skipped", reason: "already_claimed" });
    expect(after).toEqual({ outcome: "ready", id });
  });

  it("never leases beyond the invocation's deadline", async () => {
    // Prepare: 20 s left of the invocation, a third of the lease.
    deps.clock = fixedClock(new Date().toISOString());
    const { id, key } = await uploaded(fakeImage());
    const deadline = Date.now() + 20_000;
    objects.failReads = 1;
    // Act
    await expect(processUpload({ ...deps, deadline }, { key })).rejects.toThrow();
    // Assess
    expect((await record(id)).leaseUntil).toBe(new Date(deadline).toISOString());
  });

  it("skips keys outside the layout and leaves their objects alone", async () => {
    // Prepare
    const foreign = ["thumbnails/2026/03/x_thumb.webp", "exports/2026/03/x.jpg", "images/x.jpg"];
    for (const key of foreign) await objects.put(key, new Uint8Array([1, 2, 3]), "image/jpeg");
    // Act
    const outcomes = await Promise.all(foreign.map((key) => processUpload(deps, { key })));
    // Assess
    expect(outcomes).toEqual(foreign.map((key) => ({ outcome: "skipped", reason: "outside_layout", key })));
    expect(objects.deletes).toEqual([]);
    for (const key of foreign) expect(objects.objects.has(key)).toBe(true);
  });

  it("deletes bytes under an id no image has", async () => {
    // Prepare
    const key = "images/2026/03/01m819gdvpkk9mqydbm4k3rth8.jpg";
    await objects.put(key, fakeImage(), "image/jpeg");
    // Act
    const outcome = await processUpload(deps, { key });
    // Assess
    expect(outcome).toEqual({ outcome: "skipped", reason: "unknown_image", key });
    expect(objects.deletes).toEqual([key]);
    expect(images.records.size).toBe(0);
  });

  it("deletes bytes under an image's id but another key than its original, and keeps the original", async () => {
    // Prepare: the record's original is .jpg; someone wrote .png under the same id.
    const { id, key } = await uploaded(fakeImage());
    const stray = key.replace(/\.jpg$/, ".png");
    await objects.put(stray, fakeImage({ format: "png" }), "image/png");
    // Act
    const outcome = await processUpload(deps, { key: stray });
    // Assess
    expect(outcome).toEqual({ outcome: "skipped", reason: "unknown_image", key: stray });
    expect(objects.objects.has(stray)).toBe(false);
    expect(objects.objects.has(key)).toBe(true);
    expect((await record(id)).status).toBe("pending");
  });
});

describe("processUpload: transient failures", () => {
  it("lets a storage read error propagate and leaves the image processing with its bytes", async () => {
    // Prepare
    const { id, key } = await uploaded(fakeImage());
    objects.failReads = 1;
    // Act
    const result = processUpload(deps, { key });
    // Assess
    await expect(result).rejects.toThrow("storage unavailable");
    const processing = await record(id);
    expect(processing.status).toBe("processing");
    expect(processing.error).toBeUndefined();
    expect(objects.objects.has(key)).toBe(true);
    expect(objects.deletes).toEqual([]);
  });

  it("lets a processor error that is not a rejection propagate without failing the image", async () => {
    // Prepare
    deps.processor = new BrokenProcessor();
    const { id, key } = await uploaded(fakeImage());
    // Act
    const result = processUpload(deps, { key });
    // Assess
    await expect(result).rejects.toThrow("out of memory");
    expect((await record(id)).status).toBe("processing");
    expect(objects.objects.has(key)).toBe(true);
  });

  it("lets a thumbnail write error propagate without failing the image", async () => {
    // Prepare
    const { id, key } = await uploaded(fakeImage());
    objects.putError = new Error("SlowDown");
    // Act
    const result = processUpload(deps, { key });
    // Assess
    await expect(result).rejects.toThrow("SlowDown");
    expect((await record(id)).status).toBe("processing");
    expect(objects.objects.has(key)).toBe(true);
  });
});

// The fake store ignores If-None-Match, as some storage does: a second PUT through the same URL lands.
describe("processUpload: bytes written behind a final image", () => {
  it("fails a ready image whose original was replaced, and removes original and thumbnails", async () => {
    // Prepare: processed, then a second PUT through the same URL.
    const [first, second] = sameSizePair();
    const { id, key } = await uploaded(first);
    await processUpload(deps, { key, size: first.byteLength });
    expect((await record(id)).status).toBe("ready");
    await objects.put(key, second, "image/jpeg");
    // Act: the second PUT's notification.
    const outcome = await processUpload(deps, { key, size: second.byteLength });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code: ORIGINAL_REPLACED });
    const after = await record(id);
    expect(after.status).toBe("failed");
    expect(after.error?.code).toBe(ORIGINAL_REPLACED);
    expect(after.thumbnails).toBeUndefined();
    expect(stored(id)).toEqual([]);
  });

  it("catches bytes replaced while it worked, even though that notification found the image claimed", async () => {
    // Prepare: the second PUT lands while the first worker makes thumbnails, and its notification
    // arrives then too.
    const [first, second] = sameSizePair();
    const { id, key } = await uploaded(first);
    let duringWork: Promise<unknown> | undefined;
    const swapping: ImageProcessor = {
      inspect: (bytes) => processor.inspect(bytes),
      thumbnails: async (bytes) => {
        const out = await processor.thumbnails(bytes);
        await objects.put(key, second, "image/jpeg");
        duringWork = processUpload(deps, { key, size: second.byteLength });
        await duringWork;
        return out;
      },
    };
    // Act
    const outcome = await processUpload({ ...deps, processor: swapping }, { key });
    // Assess
    expect(await duringWork).toMatchObject({ outcome: "skipped", reason: "already_claimed" });
    expect(outcome).toEqual({ outcome: "failed", id, code: ORIGINAL_REPLACED });
    expect((await record(id)).status).toBe("failed");
    expect(stored(id)).toEqual([]);
  });

  it("removes bytes written behind a failed image", async () => {
    // Prepare: a rejected file, then a PUT of a good image through the same URL.
    const { id, key } = await uploaded(new TextEncoder().encode("not an image at all"));
    expect(await processUpload(deps, { key })).toMatchObject({
      outcome: "failed",
      code: "unsupported_format",
    });
    await objects.put(key, fakeImage(), "image/jpeg");
    // Act
    await processUpload(deps, { key });
    // Assess
    expect((await record(id)).status).toBe("failed");
    expect(objects.objects.has(key)).toBe(false);
  });
});

describe("processUpload: an image whose worker died", () => {
  /** Each receive claimed the image and the worker was killed before it finished. */
  async function claimedThreeTimes() {
    const upload = await uploaded(fakeImage());
    for (let i = 0; i < 3; i++) {
      const now = clock.now();
      const leaseUntil = new Date(now.getTime() + 60_000).toISOString();
      expect(
        await images.claimForProcessing(await record(upload.id), now.toISOString(), leaseUntil),
      ).toBeDefined();
      clock.advance(61);
    }
    return upload;
  }

  it("ends failed with retries_exhausted on the receive past the last attempt, without trying again", async () => {
    // Prepare
    const { id, key } = await claimedThreeTimes();
    await objects.put(`thumbnails/2026/03/${id}_thumb.webp`, new Uint8Array([1]), "image/webp");
    let decoded = 0;
    const counting: ImageProcessor = {
      inspect: async (bytes) => {
        decoded++;
        return processor.inspect(bytes);
      },
      thumbnails: (bytes) => processor.thumbnails(bytes),
    };
    // Act
    const outcome = await processUpload({ ...deps, processor: counting }, { key }, { pastLastAttempt: true });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code: RETRIES_EXHAUSTED });
    expect(decoded).toBe(0);
    const after = await record(id);
    expect(after.status).toBe("failed");
    expect(after.error).toEqual({ code: RETRIES_EXHAUSTED, message: expect.any(String) });
    expect(stored(id)).toEqual([]);
  });

  it("processes a neighbour that was only in the crashed batches (never claimed) on that receive", async () => {
    // Prepare
    const { id, key } = await uploaded(fakeImage());
    // Act / Assess
    expect(await processUpload(deps, { key }, { pastLastAttempt: true })).toEqual({ outcome: "ready", id });
  });

  it("leaves an image alone that a live worker owns, even on the last receive", async () => {
    // Prepare
    const { id, key } = await uploaded(fakeImage());
    const now = clock.now();
    await images.claimForProcessing(
      await record(id),
      now.toISOString(),
      new Date(now.getTime() + 60_000).toISOString(),
    );
    // Act
    const outcome = await processUpload(deps, { key }, { pastLastAttempt: true });
    // Assess
    expect(outcome).toMatchObject({ outcome: "skipped" });
    expect((await record(id)).status).toBe("processing");
  });

  it("fails an image whose processing throws on the last receive, instead of leaving it processing", async () => {
    // Prepare
    const { id, key } = await uploaded(fakeImage());
    objects.failReads = 1;
    // Act
    const result = processUpload(deps, { key }, { pastLastAttempt: true });
    // Assess
    await expect(result).rejects.toThrow("storage unavailable");
    expect((await record(id)).error?.code).toBe(RETRIES_EXHAUSTED);
    expect(objects.objects.has(key)).toBe(false);
  });

  it("resumes an analysis that never got stored, once per lease, from the stored preview", async () => {
    // Prepare: the worker died after `ready`, before the analysis was stored.
    const provider = new FakeAnalysisProvider({ tags: ["cat"] });
    const { id, key } = await uploaded(fakeImage({ width: 2000, height: 1000, camera: "Cam" }));
    const save = images.saveAnalysis.bind(images);
    images.saveAnalysis = async () => {
      throw new Error("killed");
    };
    await expect(processUpload({ ...deps, provider }, { key })).rejects.toThrow("killed");
    images.saveAnalysis = save;
    expect((await record(id)).analysis.status).toBe("pending");
    // Act: a duplicate while the analysis lease is live, then one after it ran out.
    await processUpload({ ...deps, provider }, { key });
    const whileLeased = provider.calls.length;
    clock.advance(61);
    await processUpload({ ...deps, provider }, { key });
    // Assess
    expect(whileLeased).toBe(1);
    expect(provider.calls).toHaveLength(2);
    const ready = await record(id);
    expect(ready.analysis).toMatchObject({ status: "done", tags: ["cat"] });
    // The resumed analysis reads the preview, with the original's dimensions and camera from the record.
    expect(provider.calls[1]?.preview).toEqual(
      objects.objects.get(ready.thumbnails?.preview.key as string)?.body,
    );
    expect(provider.calls[1]?.features).toMatchObject({
      width: 2000,
      height: 1000,
      format: "jpeg",
      camera: "Cam",
    });
  });

  it("ends a pending analysis as failed on the receive past the last attempt, without calling the provider", async () => {
    // Prepare
    const provider = new FakeAnalysisProvider({ tags: ["cat"] });
    const { id, key } = await uploaded(fakeImage());
    await processUpload(deps, { key });
    await images.requestAnalysis(await record(id), clock.now().toISOString());
    // Act
    await runRequestedAnalysis({ ...deps, provider }, id, { pastLastAttempt: true });
    // Assess
    expect(provider.calls).toEqual([]);
    expect((await record(id)).analysis).toMatchObject({
      status: "failed",
      error: { code: "analysis_interrupted" },
    });
  });
});

describe("processUpload: the image step", () => {
  it("claims an image only when its turn in the gate comes, one decode at a time", async () => {
    // Prepare: a one-slot gate, and a processor that counts renders in flight and takes a while, so
    // renders would overlap without the gate.
    let tail: Promise<unknown> = Promise.resolve();
    const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
      const run = tail.then(work, work);
      tail = run.catch(() => {});
      return run;
    };
    let inFlight = 0;
    let most = 0;
    const claimsAtStart: number[] = [];
    const watching: ImageProcessor = {
      inspect: (bytes) => processor.inspect(bytes),
      thumbnails: async (bytes) => {
        claimsAtStart.push([...images.records.values()].filter((r) => r.status === "processing").length);
        most = Math.max(most, ++inFlight);
        try {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return await processor.thumbnails(bytes);
        } finally {
          inFlight--;
        }
      },
    };
    const uploads = await Promise.all([1, 2, 3].map(() => uploaded(fakeImage())));
    // Act
    const outcomes = await Promise.all(
      uploads.map((u) => processUpload({ ...deps, processor: watching, exclusive }, { key: u.key })),
    );
    // Assess
    expect(outcomes.map((o) => o.outcome)).toEqual(["ready", "ready", "ready"]);
    expect(most).toBe(1);
    expect(claimsAtStart).toEqual([1, 1, 1]);
  });

  it("does not claim an image when too little of the invocation is left", async () => {
    // Prepare
    const { id, key } = await uploaded(fakeImage());
    // Act
    const outcome = await processUpload({ ...deps, deadline: Date.now() + 2000 }, { key });
    // Assess
    expect(outcome).toMatchObject({ outcome: "skipped", reason: "not_enough_time" });
    expect((await record(id)).status).toBe("pending");
  });
});

describe("processUpload: the checksum and the perceptual hash", () => {
  const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

  /** An image with `bytes`, processed to its final state. */
  async function processed(bytes: Uint8Array, options: { sha256?: string } = {}) {
    const upload = await uploaded(bytes, options);
    const outcome = await processUpload(deps, { key: upload.key, size: upload.size });
    return { ...upload, outcome, record: await record(upload.id) };
  }

  it("stores the SHA-256 of the original it checked and the preview's hash; the image shows the digest once ready", async () => {
    // Prepare
    const bytes = fakeImage({ width: 300, height: 200 });
    // Act
    const { record: ready, outcome } = await processed(bytes);
    // Assess
    expect(outcome.outcome).toBe("ready");
    expect(ready.checksum).toEqual({ sha256: sha256(bytes) });
    expect(toImage(ready).checksum).toEqual({ sha256: sha256(bytes) });
    expect(ready.phash).toMatch(/^[0-9a-f]{16}$/);
    // The original was read once: the digest comes from the bytes already in memory.
    expect(objects.reads).toBe(1);
  });

  it("accepts the bytes whose digest was declared", async () => {
    // Prepare
    const bytes = fakeImage();
    // Act
    const { record: ready } = await processed(bytes, { sha256: sha256(bytes) });
    // Assess
    expect(ready.status).toBe("ready");
    expect(ready.declaredSha256).toBe(sha256(bytes));
    expect(ready.checksum?.sha256).toBe(sha256(bytes));
  });

  it("fails other bytes than declared with checksum_mismatch, removes them and shows no checksum", async () => {
    // Prepare: the same size, other pixels, so only the digest tells them apart.
    const [declared, sent] = sameSizePair();
    // Act
    const { record: failed, outcome, key } = await processed(sent, { sha256: sha256(declared) });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id: failed.id, code: "checksum_mismatch" });
    expect(failed.status).toBe("failed");
    expect(failed.error).toEqual({ code: "checksum_mismatch", message: expect.stringMatching(/SHA-256/) });
    expect(objects.objects.has(key)).toBe(false);
    expect(thumbnailObjects()).toEqual([]);
    expect(failed.checksum).toBeUndefined();
    expect(toImage(failed).checksum).toBeUndefined();
  });
});
