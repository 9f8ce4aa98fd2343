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
  /** The digest of the original the server checked, once the image is ready: the same digest, the same file. */
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
  /**
   * The file's SHA-256, 64 hex characters (`fileSha256` computes it): binds the upload to those bytes,
   * and the answer's `duplicates` lists the caller's images with the same digest.
   */
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

/** The fields a search can report a text match in (a result's `matched`). */
export const SEARCH_FIELDS = ["description", "text", "tags", "note", "filename", "camera"] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/**
 * `text`: words; `semantic`: meaning (needs an embedding provider on the server); `hybrid`: both, and
 * text alone when the server has no embedding provider (the answer's `mode` says which ran).
 */
export type SearchMode = "hybrid" | "text" | "semantic";
export type SearchSort = "relevance" | "date";

/** The body of `POST /images/search`. */
export interface SearchParams {
  /** 1–500 characters. */
  query: string;
  /** 1–50, default 20. */
  limit?: number;
  cursor?: string;
  tag?: string;
  /** ISO-8601, inclusive, on `createdAt`. */
  from?: string;
  /** ISO-8601, inclusive, on `createdAt`. */
  to?: string;
  /** Default `hybrid`. */
  mode?: SearchMode;
  /** Default `relevance`; `date` is newest first. */
  sort?: SearchSort;
  /** 0–1: results scoring lower are left out. */
  minScore?: number;
}

export interface SearchResult {
  image: Image;
  /** 0–1, higher is better. */
  score: number;
  /** Where the words matched; empty for a match by meaning alone. */
  matched: SearchField[];
}

export interface SearchPage {
  items: SearchResult[];
  nextCursor: string | null;
  /** The mode that answered: `text` when `hybrid` was asked of a server without embeddings. */
  mode: SearchMode;
}

/** `duplicate`: the same bytes; `near_duplicate`: the same picture (perceptual hash); `similar`: alike. */
export type SimilarKind = "duplicate" | "near_duplicate" | "similar";

export interface SimilarResult {
  image: Image;
  /** 0–1, higher is more alike. */
  score: number;
  kind: SimilarKind;
}

export interface SimilarPage {
  items: SimilarResult[];
}
