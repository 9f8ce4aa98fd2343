/** The interfaces the domain needs from the outside world. Adapters live in @picstack/adapters. */
import type { ImageRecord, StoredThumbnail } from "./image.js";

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
}

export interface ProcessedImage {
  width: number;
  height: number;
  format: string;
  thumbnails: { thumb: StoredThumbnail; preview: StoredThumbnail };
}

export interface PresignedUpload {
  method: "PUT" | "POST";
  url: string;
  headers?: Record<string, string>;
  fields?: Record<string, string>;
  expiresAt: string;
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
