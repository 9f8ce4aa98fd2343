/** processUpload end to end on in-memory ports and the real sharp processor, fixtures made with sharp. */
import { BasicAnalysisProvider, DEFAULT_SHARP_OPTIONS, SharpImageProcessor } from "@picstack/adapters/sharp";
import sharp from "sharp";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createUpload,
  type ImageInfo,
  type ImageProcessor,
  type ProcessUploadDeps,
  processUpload,
} from "../src/index.js";
import { fixedClock, InMemoryImageRepository, InMemoryObjectStore } from "./fakes.js";

const NOW = "2026-03-04T05:06:07.000Z";
const LEASE_SECONDS = 60;

/** Counts what the service does with storage. */
class CountingObjectStore extends InMemoryObjectStore {
  reads = 0;
  puts: string[] = [];
  deletes: string[] = [];
  putError: Error | undefined;

  override async getBytes(key: string): Promise<Uint8Array> {
    this.reads++;
    return super.getBytes(key);
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

function solid(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 200 } } });
}

let images: InMemoryImageRepository;
let objects: CountingObjectStore;
let clock: ReturnType<typeof fixedClock>;
let deps: ProcessUploadDeps;

beforeEach(() => {
  images = new InMemoryImageRepository();
  objects = new CountingObjectStore();
  clock = fixedClock(NOW);
  deps = {
    images,
    objects,
    clock,
    processor: new SharpImageProcessor(),
    leaseSeconds: LEASE_SECONDS,
    provider: new BasicAnalysisProvider(),
  };
});

/** An image created through the service with `bytes` "uploaded" under its key. */
async function uploaded(bytes: Uint8Array, contentType = "image/jpeg", declaredSize = bytes.byteLength) {
  const { image } = await createUpload({ images, objects, clock, maxUploadBytes: 10_000_000 }, "alice", {
    filename: "upload",
    contentType,
    size: declaredSize,
  });
  const key = (await images.get(image.id))?.originalKey as string;
  await objects.put(key, bytes, contentType);
  objects.puts = [];
  return { id: image.id, key, size: declaredSize };
}

function thumbnailObjects(): string[] {
  return [...objects.objects.keys()].filter((k) => k.startsWith("thumbnails/"));
}

describe("processUpload: ready", () => {
  it("stores WebP thumbnails at the layout keys with the dimensions it records", async () => {
    // Prepare
    const { id, key, size } = await uploaded(await solid(2000, 500).jpeg().toBuffer());
    // Act
    const outcome = await processUpload(deps, { key, size });
    // Assess
    expect(outcome).toEqual({ outcome: "ready", id });
    const record = await images.get(id);
    expect(record).toMatchObject({ status: "ready", width: 2000, height: 500, format: "jpeg" });
    expect(record?.leaseUntil).toBeUndefined();
    expect(record?.error).toBeUndefined();
    expect(objects.puts.sort()).toEqual([
      `thumbnails/2026/03/${id}_preview.webp`,
      `thumbnails/2026/03/${id}_thumb.webp`,
    ]);
    for (const size of ["thumb", "preview"] as const) {
      const stored = record?.thumbnails?.[size];
      const object = objects.objects.get(stored?.key as string);
      expect(object?.contentType).toBe("image/webp");
      const meta = await sharp(object?.body).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({
        format: "webp",
        width: stored?.width,
        height: stored?.height,
      });
    }
    expect(record?.thumbnails?.thumb).toMatchObject({ width: 256, height: 64 });
    expect(record?.thumbnails?.preview).toMatchObject({ width: 1024, height: 256 });
    expect(objects.objects.has(key)).toBe(true);
  });

  it("records EXIF camera and capture time, oriented dimensions, and runs the analysis", async () => {
    // Prepare: stored 300×200, displayed 200×300.
    const bytes = await solid(300, 200)
      .jpeg()
      .withExif({ IFD0: { Make: "Nikon", Model: "Z 6" }, IFD2: { DateTimeOriginal: "2025:08:09 10:11:12" } })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const { id, key } = await uploaded(bytes);
    // Act
    await processUpload(deps, { key });
    // Assess
    const record = await images.get(id);
    expect(record).toMatchObject({
      status: "ready",
      width: 200,
      height: 300,
      exif: { camera: "Nikon Z 6", takenAt: "2025-08-09T10:11:12.000Z" },
    });
    expect(record?.thumbnails?.preview).toMatchObject({ width: 200, height: 300 });
    expect(record?.analysis).toMatchObject({ status: "done", provider: "basic" });
    expect(record?.tags).toEqual(expect.arrayContaining(["portrait", "photo"]));
  });

  it("accepts an allowed format other than the declared one, recording what the bytes are", async () => {
    // Prepare: a PNG declared as JPEG.
    const { id, key } = await uploaded(await solid(40, 30).png().toBuffer(), "image/jpeg");
    // Act
    const outcome = await processUpload(deps, { key });
    // Assess
    expect(outcome).toEqual({ outcome: "ready", id });
    expect(await images.get(id)).toMatchObject({ format: "png", contentType: "image/jpeg" });
  });
});

describe("processUpload: rejected files", () => {
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="50" height="40"><script>alert(1)</script><rect width="50" height="40"/></svg>',
  );

  it.each([
    [
      "text named .png",
      async () => Buffer.from("hello, I am not a picture\n".repeat(20)),
      "unsupported_format",
    ],
    ["an SVG declared as PNG", async () => svg, "unsupported_format"],
    [
      "a truncated JPEG",
      async () => {
        const whole = await solid(800, 600).jpeg().toBuffer();
        return whole.subarray(0, Math.floor(whole.byteLength / 2));
      },
      "corrupt_image",
    ],
    [
      "a JPEG cut inside its header",
      async () => (await solid(800, 600).jpeg().toBuffer()).subarray(0, 200),
      "corrupt_image",
    ],
  ])("fails %s as %s, deletes the bytes and writes nothing", async (_, make, code) => {
    // Prepare
    const { id, key } = await uploaded(await make(), "image/png");
    // Act
    const outcome = await processUpload(deps, { key });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code });
    const record = await images.get(id);
    expect(record?.status).toBe("failed");
    expect(record?.error?.code).toBe(code);
    expect(record?.error?.message).toEqual(expect.any(String));
    expect(record?.leaseUntil).toBeUndefined();
    expect(record?.thumbnails).toBeUndefined();
    expect(objects.objects.has(key)).toBe(false);
    expect(objects.puts).toEqual([]);
    expect(thumbnailObjects()).toEqual([]);
  });

  it("fails an image over the pixel limit as too_many_pixels", async () => {
    // Prepare
    deps.processor = new SharpImageProcessor({ ...DEFAULT_SHARP_OPTIONS, maxInputPixels: 1000 });
    const { id, key } = await uploaded(await solid(100, 100).png().toBuffer(), "image/png");
    // Act
    const outcome = await processUpload(deps, { key });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code: "too_many_pixels" });
    expect(objects.objects.has(key)).toBe(false);
  });

  it("fails stored bytes of another size than declared as size_mismatch and deletes them", async () => {
    // Prepare
    const bytes = await solid(64, 48).jpeg().toBuffer();
    const { id, key } = await uploaded(bytes, "image/jpeg", bytes.byteLength - 1);
    // Act
    const outcome = await processUpload(deps, { key });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code: "size_mismatch" });
    expect((await images.get(id))?.error?.message).toContain(String(bytes.byteLength));
    expect(objects.objects.has(key)).toBe(false);
  });

  it("fails on the notification's size alone, without reading the bytes", async () => {
    // Prepare
    const { id, key, size } = await uploaded(await solid(64, 48).jpeg().toBuffer());
    // Act
    const outcome = await processUpload(deps, { key, size: size + 1 });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code: "size_mismatch" });
    expect(objects.reads).toBe(0);
    expect(objects.objects.has(key)).toBe(false);
  });
});

describe("processUpload: redelivery and ownership", () => {
  it("does nothing for a second delivery of a processed upload", async () => {
    // Prepare
    const { id, key } = await uploaded(await solid(64, 48).jpeg().toBuffer());
    await processUpload(deps, { key });
    const before = await images.get(id);
    objects.puts = [];
    const reads = objects.reads;
    clock.advance(LEASE_SECONDS * 10);
    // Act
    const second = await processUpload(deps, { key });
    // Assess
    expect(second).toEqual({ outcome: "skipped", reason: "already_claimed", key });
    expect(objects.puts).toEqual([]);
    expect(objects.reads).toBe(reads);
    expect(await images.get(id)).toEqual(before);
  });

  it("does nothing for a second delivery of a failed upload", async () => {
    // Prepare
    const { id, key } = await uploaded(Buffer.from("not an image"), "image/png");
    await processUpload(deps, { key });
    const before = await images.get(id);
    clock.advance(LEASE_SECONDS * 10);
    // Act
    const second = await processUpload(deps, { key });
    // Assess
    expect(second).toMatchObject({ outcome: "skipped", reason: "already_claimed" });
    expect(await images.get(id)).toEqual(before);
  });

  it("lets exactly one of two concurrent deliveries do the work", async () => {
    // Prepare
    const { id, key } = await uploaded(await solid(64, 48).jpeg().toBuffer());
    // Act
    const outcomes = await Promise.all([processUpload(deps, { key }), processUpload(deps, { key })]);
    // Assess
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["ready", "skipped"]);
    expect(objects.puts).toHaveLength(2);
    expect((await images.get(id))?.status).toBe("ready");
  });

  it("leases for leaseSeconds and lets a redelivery take over only once the lease has run out", async () => {
    // Prepare: a worker claims, then crashes on a storage error.
    const { id, key } = await uploaded(await solid(64, 48).jpeg().toBuffer());
    objects.failReads = 1;
    await expect(processUpload(deps, { key })).rejects.toThrow();
    const leaseUntil = (await images.get(id))?.leaseUntil;
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
    await objects.put(key, await solid(8, 8).jpeg().toBuffer(), "image/jpeg");
    // Act
    const outcome = await processUpload(deps, { key });
    // Assess
    expect(outcome).toEqual({ outcome: "skipped", reason: "unknown_image", key });
    expect(objects.deletes).toEqual([key]);
    expect(images.records.size).toBe(0);
  });

  it("deletes bytes under an image's id but another key than its original, and keeps the original", async () => {
    // Prepare: the record's original is .jpg; someone wrote .png under the same id.
    const { id, key } = await uploaded(await solid(8, 8).jpeg().toBuffer());
    const stray = key.replace(/\.jpg$/, ".png");
    await objects.put(stray, await solid(8, 8).png().toBuffer(), "image/png");
    // Act
    const outcome = await processUpload(deps, { key: stray });
    // Assess
    expect(outcome).toEqual({ outcome: "skipped", reason: "unknown_image", key: stray });
    expect(objects.objects.has(stray)).toBe(false);
    expect(objects.objects.has(key)).toBe(true);
    expect((await images.get(id))?.status).toBe("pending");
  });
});

describe("processUpload: transient failures", () => {
  it("lets a storage read error propagate and leaves the image processing with its bytes", async () => {
    // Prepare
    const { id, key } = await uploaded(await solid(64, 48).jpeg().toBuffer());
    objects.failReads = 1;
    // Act
    const result = processUpload(deps, { key });
    // Assess
    await expect(result).rejects.toThrow("storage unavailable");
    const record = await images.get(id);
    expect(record?.status).toBe("processing");
    expect(record?.error).toBeUndefined();
    expect(objects.objects.has(key)).toBe(true);
    expect(objects.deletes).toEqual([]);
  });

  it("lets a processor error that is not a rejection propagate without failing the image", async () => {
    // Prepare
    deps.processor = new BrokenProcessor();
    const { id, key } = await uploaded(await solid(64, 48).jpeg().toBuffer());
    // Act
    const result = processUpload(deps, { key });
    // Assess
    await expect(result).rejects.toThrow("out of memory");
    expect((await images.get(id))?.status).toBe("processing");
    expect(objects.objects.has(key)).toBe(true);
  });

  it("lets a thumbnail write error propagate without failing the image", async () => {
    // Prepare
    const { id, key } = await uploaded(await solid(64, 48).jpeg().toBuffer());
    objects.putError = new Error("SlowDown");
    // Act
    const result = processUpload(deps, { key });
    // Assess
    await expect(result).rejects.toThrow("SlowDown");
    expect((await images.get(id))?.status).toBe("processing");
    expect(objects.objects.has(key)).toBe(true);
  });
});
