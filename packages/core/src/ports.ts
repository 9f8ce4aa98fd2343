/** The interfaces the domain needs from the outside world. Adapters live in @picstack/adapters. */
import type { PresignedUpload } from "./api-schemas.js";
import type { ExifSummary, ImageAnalysis, ImageRecord, StoredThumbnail } from "./image.js";

export type { PresignedUpload };

export interface ImageRepository {
  /** Stores a new record; fails if the id exists. */
  create(record: ImageRecord): Promise<void>;
  get(id: string): Promise<ImageRecord | undefined>;
  /**
   * Moves an image to `processing` and leases it until `leaseUntil`, if it is `pending` or its previous
   * lease has run out. Returns the record, or `undefined` when another worker owns it or it is final.
   */
  claimForProcessing(id: string, now: string, leaseUntil: string): Promise<ImageRecord | undefined>;
  /** Final states; conditional on the image still being `processing`. */
  markReady(id: string, now: string, result: ProcessedImage): Promise<void>;
  markFailed(id: string, now: string, error: { code: string; message: string }): Promise<void>;
  /**
   * Stores an analysis and the image's tags with it (AI tags joined); conditional on the tags still
   * being `record.tags`, so a concurrent user edit is not lost (ConflictError instead).
   */
  saveAnalysis(record: ImageRecord, now: string, analysis: ImageAnalysis, tags: string[]): Promise<void>;
  /** Marks a ready image's analysis `pending` again; `undefined` when the image is not ready. */
  requestAnalysis(record: ImageRecord, now: string): Promise<ImageRecord | undefined>;
  /** A page of a user's visible images, newest or oldest first. */
  list(query: ListQuery): Promise<{ items: ImageRecord[]; next?: PageKey }>;
  /** Changes note and/or tags of a visible image; keeps the tag index in step. */
  updateDetails(record: ImageRecord, now: string, changes: DetailChanges): Promise<ImageRecord>;
  /** Hides a visible image at once; conditional on it not being deleted already. */
  softDelete(record: ImageRecord, now: string): Promise<void>;
  /** Makes a deleted image visible again; conditional on it still being deleted. */
  restore(record: ImageRecord, now: string): Promise<ImageRecord>;
  /** Deleted images whose `deletedAt` is before `before`, oldest first. */
  listDeletedBefore(before: string, limit: number): Promise<ImageRecord[]>;
  /** Removes a deleted image's record for good; conditional on it still being deleted. */
  purge(record: ImageRecord): Promise<void>;
}

/** Where a page ended, as the repository understands it; the API signs it into an opaque cursor. */
export type PageKey = Record<string, string>;

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
}

export interface ObjectStore {
  presignUpload(key: string, contentType: string, size: number): Promise<PresignedUpload>;
  presignDownload(key: string): Promise<string>;
  getBytes(key: string): Promise<Uint8Array>;
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
  /** WebP thumbnails: `thumb` fits 256×256, `preview` fits 1024×1024, never upscaled. */
  thumbnails(bytes: Uint8Array): Promise<{ thumb: RenderedThumbnail; preview: RenderedThumbnail }>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Asks the analysis worker to analyze an image again. */
export interface AnalysisQueue {
  requestAnalysis(imageId: string): Promise<void>;
}
