/** The interfaces the domain needs from the outside world. Adapters live in @picstack/adapters. */
import type { PresignedUpload } from "./api-schemas.js";
import type { ExifSummary, ImageAnalysis, ImageRecord, StoredThumbnail } from "./image.js";

export type { PresignedUpload };

/** What names an image in storage: its id, and the owner and creation time its index keys are built from. */
export type ImageRef = Pick<ImageRecord, "id" | "userId" | "createdAt">;

export interface ImageRepository {
  /** Stores a new record; fails if the id exists. */
  create(record: ImageRecord): Promise<void>;
  get(id: string): Promise<ImageRecord | undefined>;
  /**
   * Moves an image to `processing` and leases it until `leaseUntil`, if it is `pending` or its previous
   * lease has run out. Returns the record, or `undefined` when another worker owns it or it is final.
   */
  claimForProcessing(ref: ImageRef, now: string, leaseUntil: string): Promise<ImageRecord | undefined>;
  /** Final states; conditional on the image still being `processing`. */
  markReady(ref: ImageRef, now: string, result: ProcessedImage): Promise<void>;
  markFailed(ref: ImageRef, now: string, error: { code: string; message: string }): Promise<void>;
  /**
   * Fails an image whose worker never finished: conditional on it being `processing` with its lease run
   * out (no live worker owns it). Returns whether it was marked.
   */
  markAbandoned(ref: ImageRef, now: string, error: { code: string; message: string }): Promise<boolean>;
  /**
   * Fails a `ready` image whose original is no longer the one that was checked, and drops its thumbnails
   * from the record; conditional on it still being ready with `originalEtag`. Returns whether it was marked.
   */
  markOriginalReplaced(
    ref: ImageRef,
    now: string,
    originalEtag: string,
    error: { code: string; message: string },
  ): Promise<boolean>;
  /**
   * Takes the analysis of a ready image whose analysis is `pending` and that no live worker is analysing
   * (no analysis lease, or one that has run out). Returns the record, or `undefined`.
   */
  claimAnalysis(ref: ImageRef, now: string, leaseUntil: string): Promise<ImageRecord | undefined>;
  /**
   * Stores an analysis and the image's tags with it (AI tags joined); conditional on the tags still
   * being `record.tags`, so a concurrent user edit is not lost (ConflictError instead).
   */
  saveAnalysis(
    record: ImageRecord,
    now: string,
    analysis: ImageAnalysis,
    tags: string[],
    /** The analysis text's embedding; without one, an embedding stored before is removed (it was of other text). */
    embedding?: ImageRecord["embedding"],
  ): Promise<void>;
  /**
   * Marks a ready image's analysis `pending` again; `undefined` when the image is not ready or its
   * analysis is already pending (queued or running).
   */
  requestAnalysis(record: ImageRecord, now: string): Promise<ImageRecord | undefined>;
  /**
   * A page of a user's visible images, newest or oldest first. The work per call is bounded: a page may
   * hold fewer than `limit` items (even none) and still have a `next` key.
   */
  list(query: ListQuery): Promise<ListPage>;
  /** Changes note and/or tags of a visible image; keeps the tag index in step. */
  updateDetails(record: ImageRecord, now: string, changes: DetailChanges): Promise<ImageRecord>;
  /** Hides a visible image at once; conditional on it not being deleted already. */
  softDelete(record: ImageRecord, now: string): Promise<void>;
  /** Makes a deleted image visible again; conditional on it still being deleted. */
  restore(record: ImageRecord, now: string): Promise<ImageRecord>;
  /** Deleted images whose `deletedAt` is before `before`, oldest first. */
  listDeletedBefore(before: string, limit: number): Promise<ImageRecord[]>;
  /**
   * A user's images whose original had the SHA-256 `sha256` when it was checked: ready, not deleted, at
   * most `limit` of them (bounded work, however many copies a user uploads).
   */
  findBySha256(userId: string, sha256: string, limit: number): Promise<ImageRecord[]>;
  /** Removes a deleted image for good (its record and every item kept for it); conditional on it still being deleted. */
  purge(record: ImageRecord): Promise<void>;
}

/** Where a page ended, as the repository understands it; the API signs it into an opaque cursor. */
export type PageKey = Record<string, string>;

export interface ListPage {
  items: ImageRecord[];
  next?: PageKey;
  /** What the page cost, for logs and tests. */
  stats?: ListStats;
}

export interface ListStats {
  /** Requests sent to the store. */
  calls: number;
  /** Items read: index entries and the records fetched for them. */
  itemsRead: number;
  /** Entries skipped because they belonged to another user (never expected; logged when not zero). */
  foreign: number;
}

export interface ListQuery {
  userId: string;
  limit: number;
  order: "asc" | "desc";
  /** Inclusive bounds on `createdAt` (ISO-8601). */
  from?: string;
  to?: string;
  status?: ImageRecord["status"];
  tag?: string;
  after?: PageKey;
}

export interface DetailChanges {
  note?: string | null;
  tags?: string[];
}

export interface ProcessedImage {
  width: number;
  height: number;
  format: string;
  exif?: ExifSummary;
  thumbnails: { thumb: StoredThumbnail; preview: StoredThumbnail };
  /** The ETag of the original bytes that were checked and thumbnailed. */
  originalEtag: string;
  /** Of those bytes: the lookup of duplicates is keyed on it. */
  checksum: { sha256: string };
  /** Perceptual hash of the preview's pixels (16 lower-case hex characters). */
  phash?: string;
}

export interface ObjectStore {
  /**
   * An upload bound to `contentType` and `size`, and with `sha256` (64 lower-case hex) to those bytes:
   * storage that checks checksums refuses any others under it.
   */
  presignUpload(key: string, contentType: string, size: number, sha256?: string): Promise<PresignedUpload>;
  presignDownload(key: string): Promise<string>;
  getBytes(key: string): Promise<Uint8Array>;
  /** The bytes and the ETag of the version read. */
  read(key: string): Promise<{ bytes: Uint8Array; etag: string }>;
  /** The ETag and size of what is stored under `key` now, or `undefined` when nothing is. */
  head(key: string): Promise<{ etag: string; size: number } | undefined>;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  delete(keys: string[]): Promise<void>;
}

export interface ImageInfo {
  /** The decoder's format name (jpeg, png, webp, gif, heif, tiff, ...). */
  format: string;
  /** Oriented (EXIF-applied) dimensions. */
  width: number;
  height: number;
  hasAlpha: boolean;
  pages: number;
  /** From EXIF, when present and readable. */
  camera?: string;
  takenAt?: string;
}

export interface RenderedThumbnail {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface ImageProcessor {
  /**
   * Decodes the header and checks the bytes are a readable image within the pixel limit.
   * Throws `ImageRejectedError` otherwise.
   */
  inspect(bytes: Uint8Array): Promise<ImageInfo>;
  /**
   * WebP thumbnails: `thumb` fits 256×256, `preview` fits 1024×1024, never upscaled; and the perceptual
   * hash of the preview's pixels (16 lower-case hex characters), from the same decode.
   */
  thumbnails(
    bytes: Uint8Array,
  ): Promise<{ thumb: RenderedThumbnail; preview: RenderedThumbnail; phash?: string }>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Asks the analysis worker to analyze an image again. */
export interface AnalysisQueue {
  requestAnalysis(imageId: string): Promise<void>;
}
