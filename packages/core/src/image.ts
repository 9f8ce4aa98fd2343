/** The image record as stored, and the image as clients see it (shared API contract "Image"). */
import type { ExifSummary, Image, ImageAnalysis, ImageStatus, ImageUrls } from "./api-schemas.js";
import type { AllowedContentType } from "./upload-policy.js";

export type {
  AnalysisStatus,
  ExifSummary,
  Image,
  ImageAnalysis,
  ImageStatus,
  ImageUrls,
} from "./api-schemas.js";

export interface Dimensions {
  width: number;
  height: number;
}

export interface StoredThumbnail extends Dimensions {
  key: string;
}

export interface ImageRecord {
  id: string;
  userId: string;
  status: ImageStatus;
  filename: string;
  contentType: AllowedContentType;
  size: number;
  originalKey: string;
  createdAt: string;
  updatedAt: string;
  note: string | null;
  tags: string[];
  width?: number;
  height?: number;
  format?: string;
  exif?: ExifSummary;
  thumbnails?: { thumb: StoredThumbnail; preview: StoredThumbnail };
  analysis: ImageAnalysis;
  error?: { code: string; message: string };
  /** How many times a worker claimed the image to process it (set by the repository). */
  claims?: number;
  /** The ETag of the original the worker checked; set when the image becomes `ready`. */
  originalEtag?: string;
  /** While an analysis runs: until when its worker owns it (ISO-8601). */
  analysisLeaseUntil?: string;
  /** While `processing`: until when the current worker owns the image (ISO-8601). */
  leaseUntil?: string;
  /** Set by a soft delete; the image is purged after the retention period. */
  deletedAt?: string;
  /** SHA-256 (64 lower-case hex) the client declared at creation; the upload is bound to it. */
  declaredSha256?: string;
  /** Of the original the worker checked; set when the image becomes `ready` (the API's `checksum`). */
  checksum?: { sha256: string };
  /** Perceptual hash of the image (16 hex characters), set when the image becomes `ready`. */
  phash?: string;
  /** Embedding of the analysis text, when an embedding provider is configured; never sent to clients. */
  embedding?: { model: string; vector: number[] };
}

/**
 * A failed image is never analysed, so its analysis is `skipped`. Records that failed before the worker
 * stored that (and any failed record whose analysis is still marked pending) read back the same way.
 */
function analysisOf(record: ImageRecord): ImageAnalysis {
  if (record.status === "failed" && record.analysis.status === "pending") {
    return { ...record.analysis, status: "skipped" };
  }
  return record.analysis;
}

export function toImage(record: ImageRecord, urls?: ImageUrls): Image {
  const image: Image = {
    id: record.id,
    status: record.status,
    filename: record.filename,
    contentType: record.contentType,
    size: record.size,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    tags: record.tags,
    note: record.note,
    analysis: analysisOf(record),
  };
  if (record.width !== undefined) image.width = record.width;
  if (record.height !== undefined) image.height = record.height;
  if (record.format !== undefined) image.format = record.format;
  if (record.exif) image.exif = record.exif;
  if (record.thumbnails) {
    const { thumb, preview } = record.thumbnails;
    image.thumbnails = {
      thumb: { width: thumb.width, height: thumb.height },
      preview: { width: preview.width, height: preview.height },
    };
  }
  if (urls) image.urls = urls;
  // Only a ready image's: a failed one's bytes are gone, whatever was checked before.
  if (record.status === "ready" && record.checksum) image.checksum = { sha256: record.checksum.sha256 };
  if (record.status === "failed" && record.error) image.error = record.error;
  return image;
}
