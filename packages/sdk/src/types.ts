/**
 * The API's shapes, as in the contract (`GET /openapi.json`). Written out here so the SDK has no
 * runtime dependencies; test/types.test-d.ts fails `npm run typecheck` if they drift from the server's.
 */

export const ALLOWED_CONTENT_TYPES = [
  "image/jpeg",
  "image/png",
  "image/webp",
  "image/gif",
  "image/avif",
  "image/tiff",
  "image/heic",
  "image/heif",
] as const;
export type ContentType = (typeof ALLOWED_CONTENT_TYPES)[number];

/** The server's default upload limit (25 MiB); a deployment may configure another. */
export const DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export type ImageStatus = "pending" | "processing" | "ready" | "failed";
/** `skipped`: the image failed, so it was never analysed. */
export type AnalysisStatus = "pending" | "done" | "failed" | "skipped";

export interface Dimensions {
  width: number;
  height: number;
}

export interface ImageAnalysis {
  status: AnalysisStatus;
  provider?: string;
  model?: string;
  description?: string;
  tags: string[];
  text?: string;
  usage?: { inputTokens: number; outputTokens: number };
  error?: { code: string; message: string };
}

export interface Image {
  id: string;
  status: ImageStatus;
  filename: string;
  contentType: ContentType;
  size: number;
  createdAt: string;
  updatedAt: string;
  width?: number;
  height?: number;
  format?: string;
  exif?: { camera?: string; takenAt?: string };
  tags: string[];
  note: string | null;
  analysis: ImageAnalysis;
  thumbnails?: { thumb: Dimensions; preview: Dimensions };
  urls?: { original?: string; thumb?: string; preview?: string };
  /** The digest of the original the server checked; once the image is ready. */
  checksum?: { sha256: string };
  /** Only when `status` is `failed`. */
  error?: { code: string; message: string };
}

export interface CreateImageInput {
  filename: string;
  contentType: string;
  size: number;
  note?: string | null;
  tags?: string[];
  /** The file's SHA-256, 64 hex characters: binds the upload to those bytes and asks for `duplicates`. */
  sha256?: string;
}

export interface PresignedUpload {
  method: "PUT" | "POST";
  url: string;
  headers?: Record<string, string>;
  fields?: Record<string, string>;
  expiresAt: string;
}

export interface CreatedImage {
  image: Image;
  upload: PresignedUpload;
  /** The caller's ready images with the declared `sha256` (empty without one). */
  duplicates: string[];
}

export interface ListImagesQuery {
  /** 1–100, default 20. */
  limit?: number;
  cursor?: string;
  /** ISO-8601, inclusive, on `createdAt`. */
  from?: string;
  /** ISO-8601, inclusive, on `createdAt`. */
  to?: string;
  tag?: string;
  status?: ImageStatus;
  order?: "desc" | "asc";
}

export interface ImagePage {
  items: Image[];
  nextCursor: string | null;
}

export interface UpdateImageInput {
  /** An empty string or null removes the note. */
  note?: string | null;
  /** Replaces the image's tags. */
  tags?: string[];
}

export interface Health {
  status: "ok" | "degraded";
  checks: Record<string, unknown>;
}
