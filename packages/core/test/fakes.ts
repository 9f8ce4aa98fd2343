/**
 * In-memory implementations of the core's ports, with the same conditional semantics as the adapters,
 * and a fake image format with its processor, so the core's tests need no decoder (the sharp processor
 * is tested in packages/adapters).
 */
import { createHash } from "node:crypto";
import {
  type AnalysisOutput,
  type AnalysisProvider,
  type AnalyzeOptions,
  type Clock,
  ConflictError,
  createUpload,
  type DetailChanges,
  type ImageAnalysis,
  type ImageFeatures,
  type ImageInfo,
  type ImageProcessor,
  type ImageRecord,
  type ImageRef,
  ImageRejectedError,
  type ImageRepository,
  type ListPage,
  type ListQuery,
  type ObjectStore,
  type PresignedUpload,
  type ProcessedImage,
  type RenderedThumbnail,
} from "../src/index.js";

const sameTags = (a: ImageRecord, b: ImageRecord) => JSON.stringify(a.tags) === JSON.stringify(b.tags);

export class InMemoryImageRepository implements ImageRepository {
  readonly records = new Map<string, ImageRecord>();

  async create(record: ImageRecord): Promise<void> {
    if (this.records.has(record.id)) throw new ConflictError("exists");
    this.records.set(record.id, structuredClone(record));
  }

  async get(id: string): Promise<ImageRecord | undefined> {
    const record = this.records.get(id);
    return record ? structuredClone(record) : undefined;
  }

  async claimForProcessing(ref: ImageRef, now: string, leaseUntil: string): Promise<ImageRecord | undefined> {
    const record = this.records.get(ref.id);
    if (!record) return undefined;
    const expired = record.status === "processing" && (record.leaseUntil ?? "") < now;
    if (record.status !== "pending" && !expired) return undefined;
    Object.assign(record, {
      status: "processing",
      leaseUntil,
      updatedAt: now,
      claims: (record.claims ?? 0) + 1,
    });
    delete record.error;
    return structuredClone(record);
  }

  async markReady(ref: ImageRef, now: string, result: ProcessedImage): Promise<void> {
    const record = this.processing(ref.id);
    Object.assign(record, { ...structuredClone(result), status: "ready", updatedAt: now });
    delete record.leaseUntil;
  }

  async markFailed(ref: ImageRef, now: string, error: { code: string; message: string }): Promise<void> {
    const record = this.processing(ref.id);
    Object.assign(record, {
      status: "failed",
      updatedAt: now,
      error,
      analysis: { ...record.analysis, status: "skipped" },
    });
    delete record.leaseUntil;
  }

  async markAbandoned(
    ref: ImageRef,
    now: string,
    error: { code: string; message: string },
  ): Promise<boolean> {
    const record = this.records.get(ref.id);
    if (record?.status !== "processing" || (record.leaseUntil ?? "") >= now) return false;
    Object.assign(record, {
      status: "failed",
      updatedAt: now,
      error,
      analysis: { ...record.analysis, status: "skipped" },
    });
    delete record.leaseUntil;
    return true;
  }

  async markOriginalReplaced(
    ref: ImageRef,
    now: string,
    originalEtag: string,
    error: { code: string; message: string },
  ): Promise<boolean> {
    const record = this.records.get(ref.id);
    if (record?.status !== "ready" || record.originalEtag !== originalEtag) return false;
    Object.assign(record, { status: "failed", updatedAt: now, error });
    delete record.thumbnails;
    return true;
  }

  async claimAnalysis(ref: ImageRef, now: string, leaseUntil: string): Promise<ImageRecord | undefined> {
    const record = this.records.get(ref.id);
    if (record?.status !== "ready" || record.analysis.status !== "pending") return undefined;
    if (record.analysisLeaseUntil && record.analysisLeaseUntil >= now) return undefined;
    record.analysisLeaseUntil = leaseUntil;
    return structuredClone(record);
  }

  async saveAnalysis(
    record: ImageRecord,
    now: string,
    analysis: ImageAnalysis,
    tags: string[],
    embedding?: ImageRecord["embedding"],
  ): Promise<void> {
    const stored = this.records.get(record.id);
    if (!stored || !sameTags(stored, record) || Boolean(stored.deletedAt) !== Boolean(record.deletedAt))
      throw new ConflictError("tags or visibility changed");
    Object.assign(stored, { analysis: structuredClone(analysis), tags: [...tags], updatedAt: now });
    delete stored.analysisLeaseUntil;
    if (embedding) stored.embedding = structuredClone(embedding);
    else delete stored.embedding;
  }

  async findBySha256(userId: string, sha256: string, limit: number): Promise<ImageRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.userId === userId && r.status === "ready" && !r.deletedAt)
      .filter((r) => r.checksum?.sha256 === sha256)
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }

  async requestAnalysis(record: ImageRecord, now: string): Promise<ImageRecord | undefined> {
    const stored = this.records.get(record.id);
    if (stored?.status !== "ready" || stored.deletedAt || stored.analysis.status === "pending")
      return undefined;
    stored.analysis = { ...stored.analysis, status: "pending" };
    stored.updatedAt = now;
    return structuredClone(stored);
  }

  async list(query: ListQuery): Promise<ListPage> {
    const sortKey = (r: ImageRecord) => `${r.createdAt}#${r.id}`;
    let all = [...this.records.values()]
      .filter((r) => r.userId === query.userId && !r.deletedAt)
      .filter((r) => !query.tag || r.tags.includes(query.tag))
      .filter((r) => !query.status || r.status === query.status)
      .filter((r) => (!query.from || r.createdAt >= query.from) && (!query.to || r.createdAt <= query.to))
      .sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    if (query.order === "desc") all.reverse();
    if (query.after) {
      const index = all.findIndex((r) => r.id === query.after?.id);
      all = all.slice(index + 1);
    }
    const items = all.slice(0, query.limit).map((r) => structuredClone(r));
    const last = items.at(-1);
    return all.length > query.limit && last ? { items, next: { id: last.id } } : { items };
  }

  async updateDetails(record: ImageRecord, now: string, changes: DetailChanges): Promise<ImageRecord> {
    const stored = this.records.get(record.id);
    if (!stored || stored.deletedAt || stored.userId !== record.userId) throw new ConflictError("gone");
    // Tags are indexed: a change over tags that moved since the read would leave the index out of step.
    if (changes.tags !== undefined && !sameTags(stored, record)) throw new ConflictError("tags changed");
    Object.assign(stored, changes, { updatedAt: now });
    return structuredClone(stored);
  }

  async softDelete(record: ImageRecord, now: string): Promise<void> {
    const stored = this.records.get(record.id);
    if (!stored || stored.deletedAt) throw new ConflictError("already deleted");
    if (!sameTags(stored, record)) throw new ConflictError("tags changed");
    Object.assign(stored, { deletedAt: now, updatedAt: now });
  }

  async restore(record: ImageRecord, now: string): Promise<ImageRecord> {
    const stored = this.records.get(record.id);
    const asRead = stored?.deletedAt === record.deletedAt && stored?.status === record.status;
    if (!stored?.deletedAt || !asRead || !sameTags(stored, record)) throw new ConflictError("not as read");
    delete stored.deletedAt;
    stored.updatedAt = now;
    return structuredClone(stored);
  }

  async listDeletedBefore(before: string, limit: number): Promise<ImageRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.deletedAt && r.deletedAt < before)
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }

  async purge(record: ImageRecord): Promise<void> {
    const stored = this.records.get(record.id);
    if (!stored?.deletedAt || stored.deletedAt !== record.deletedAt) throw new ConflictError("restored");
    this.records.delete(record.id);
  }

  private processing(id: string): ImageRecord {
    const record = this.records.get(id);
    if (record?.status !== "processing") throw new ConflictError(`${id} is not processing`);
    return record;
  }
}

export class InMemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { body: Uint8Array; contentType: string }>();
  readonly presigned: Array<{ key: string; contentType: string; size: number; sha256?: string }> = [];
  /** Set to make the next reads fail like a storage outage. */
  failReads = 0;

  async presignUpload(
    key: string,
    contentType: string,
    size: number,
    sha256?: string,
  ): Promise<PresignedUpload> {
    this.presigned.push({ key, contentType, size, ...(sha256 ? { sha256 } : {}) });
    return {
      method: "PUT",
      url: `https://storage.test/${key}?signed`,
      headers: {
        "Content-Type": contentType,
        ...(sha256 ? { "x-amz-checksum-sha256": Buffer.from(sha256, "hex").toString("base64") } : {}),
      },
      expiresAt: "2030-01-01T00:10:00.000Z",
    };
  }

  async presignDownload(key: string): Promise<string> {
    return `https://storage.test/${key}?get`;
  }

  async getBytes(key: string): Promise<Uint8Array> {
    return (await this.read(key)).bytes;
  }

  async read(key: string): Promise<{ bytes: Uint8Array; etag: string }> {
    if (this.failReads > 0) {
      this.failReads--;
      throw new Error("storage unavailable");
    }
    const object = this.objects.get(key);
    if (!object) throw new Error(`no object ${key}`);
    return { bytes: object.body, etag: etagOf(object.body) };
  }

  async head(key: string): Promise<{ etag: string; size: number } | undefined> {
    const object = this.objects.get(key);
    return object ? { etag: etagOf(object.body), size: object.body.byteLength } : undefined;
  }

  /** Stores like a PUT through a presigned URL on storage that ignores `If-None-Match`: it overwrites. */
  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    this.objects.set(key, { body, contentType });
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }
}

/** Like S3's ETag of a single-part upload: the MD5 of the bytes, quoted. */
function etagOf(body: Uint8Array): string {
  return `"${createHash("md5").update(body).digest("hex")}"`;
}

export function fixedClock(iso = "2026-03-04T05:06:07.000Z"): Clock & { advance(seconds: number): void } {
  let now = new Date(iso);
  return {
    now: () => new Date(now),
    advance(seconds: number) {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };
}

/** What a fake image says about itself; the defaults are a 64×48 JPEG without EXIF. */
export interface FakeImage {
  format?: string;
  width?: number;
  height?: number;
  hasAlpha?: boolean;
  pages?: number;
  camera?: string;
  takenAt?: string;
  /** The pixel bytes' value: two images that differ only here have the same size and other bytes. */
  fill?: number;
}

const MAGIC = "PICSTACK-FAKE-IMAGE\n";
const PIXEL_BYTES = 64;

/**
 * The bytes of a fake image: a magic line, a JSON header line and the pixel bytes. Cut anywhere after
 * the magic line it no longer decodes (corrupt), and without the magic line it is no image at all.
 */
export function fakeImage(image: FakeImage = {}): Uint8Array {
  const { fill = 0x2a, ...described } = image;
  const header = { format: "jpeg", width: 64, height: 48, hasAlpha: false, pages: 1, ...described };
  const head = new TextEncoder().encode(`${MAGIC}${JSON.stringify({ ...header, bytes: PIXEL_BYTES })}\n`);
  const bytes = new Uint8Array(head.byteLength + PIXEL_BYTES).fill(fill);
  bytes.set(head);
  return bytes;
}

const isCount = (value: unknown) => Number.isInteger(value) && (value as number) > 0;

function decodeFake(bytes: Uint8Array): ImageInfo {
  const magic = new TextEncoder().encode(MAGIC);
  if (!magic.every((byte, i) => bytes[i] === byte)) {
    throw new ImageRejectedError("unsupported_format", "The file is not an image in a supported format");
  }
  const end = bytes.indexOf(0x0a, magic.byteLength);
  let header: Record<string, unknown> = {};
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(magic.byteLength, end)));
  } catch {
    // An unreadable header is a corrupt image, like a truncated one.
  }
  const { format, width, height, hasAlpha, pages, camera, takenAt } = header;
  const complete = end >= 0 && bytes.byteLength - end - 1 === header.bytes;
  if (!complete || typeof format !== "string" || !isCount(width) || !isCount(height) || !isCount(pages)) {
    throw new ImageRejectedError("corrupt_image", "The image could not be decoded");
  }
  return {
    format,
    width: width as number,
    height: height as number,
    hasAlpha: hasAlpha === true,
    pages: pages as number,
    ...(typeof camera === "string" ? { camera } : {}),
    ...(typeof takenAt === "string" ? { takenAt } : {}),
  };
}

/** Fits `width`×`height` inside a `box`×`box` square, never upscaled. */
function fit(width: number, height: number, box: number): { width: number; height: number } {
  const scale = Math.min(1, box / width, box / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * The image processor port on fake images: any format the header names (the allow-list is the
 * service's job), the pixel limit, and WebP thumbnails (fake images too) that carry no EXIF.
 */
export class FakeImageProcessor implements ImageProcessor {
  constructor(private readonly options: { maxInputPixels: number } = { maxInputPixels: 100_000_000 }) {}

  async inspect(bytes: Uint8Array): Promise<ImageInfo> {
    const info = decodeFake(bytes);
    if (info.width * info.height > this.options.maxInputPixels) {
      throw new ImageRejectedError("too_many_pixels", `The image is ${info.width}×${info.height} pixels`);
    }
    return info;
  }

  async thumbnails(
    bytes: Uint8Array,
  ): Promise<{ thumb: RenderedThumbnail; preview: RenderedThumbnail; phash: string }> {
    const info = await this.inspect(bytes);
    const render = (box: number): RenderedThumbnail => {
      const size = fit(info.width, info.height, box);
      return { data: fakeImage({ format: "webp", ...size, hasAlpha: info.hasAlpha }), ...size };
    };
    // A stand-in for a perceptual hash: the same for images whose header and pixels agree.
    const phash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
    return { thumb: render(256), preview: render(1024), phash };
  }
}

/** An analysis provider that answers at once with `output` and keeps what it was asked. */
export class FakeAnalysisProvider implements AnalysisProvider {
  readonly name = "fake";
  readonly model = "fake-1";
  readonly calls: Array<{ preview: Uint8Array; features: ImageFeatures; options?: AnalyzeOptions }> = [];

  constructor(private readonly output: AnalysisOutput = { tags: [] }) {}

  async analyze(preview: Uint8Array, features: ImageFeatures, options?: AnalyzeOptions) {
    this.calls.push({ preview, features, ...(options ? { options } : {}) });
    return structuredClone(this.output);
  }
}

/**
 * Creates an image through `createUpload` and stores `bytes` under its key, as the client's PUT would.
 * `size` is the declared size (default: the bytes' length).
 */
export async function uploadedImage(
  deps: { images: ImageRepository; objects: ObjectStore; clock: Clock },
  bytes: Uint8Array,
  options: { contentType?: string; size?: number; tags?: string[]; userId?: string; sha256?: string } = {},
): Promise<{ id: string; key: string; size: number }> {
  const contentType = options.contentType ?? "image/jpeg";
  const size = options.size ?? bytes.byteLength;
  const { image } = await createUpload(
    { ...deps, maxUploadBytes: Number.MAX_SAFE_INTEGER },
    options.userId ?? "alice",
    {
      filename: "upload",
      contentType,
      size,
      ...(options.tags ? { tags: options.tags } : {}),
      ...(options.sha256 ? { sha256: options.sha256 } : {}),
    },
  );
  const key = (await deps.images.get(image.id))?.originalKey as string;
  await deps.objects.put(key, bytes, contentType);
  return { id: image.id, key, size };
}

/**
 * The worker's ports on in-memory fakes around `images` (a subclass may add conditions of its own): what
 * the service tests start each case from.
 */
export function fakeWorkerDeps<R extends InMemoryImageRepository>(images: R) {
  return {
    images,
    objects: new InMemoryObjectStore(),
    clock: fixedClock(),
    processor: new FakeImageProcessor(),
    leaseSeconds: 60,
    provider: new FakeAnalysisProvider(),
  };
}
