/**
 * Object keys (shared API contract "Storage layout"):
 * originals `images/{yyyy}/{mm}/{id}.{ext}`, thumbnails `thumbnails/{yyyy}/{mm}/{id}_{size}.webp`.
 */
import { type AllowedContentType, EXTENSION_BY_TYPE } from "./upload-policy.js";

export const ORIGINALS_PREFIX = "images/";
export const THUMBNAILS_PREFIX = "thumbnails/";

export type ThumbnailSize = "thumb" | "preview";

function yearMonth(createdAt: string): string {
  // createdAt is ISO-8601 UTC: the first 7 characters are yyyy-mm.
  const [yyyy, mm] = createdAt.slice(0, 7).split("-");
  return `${yyyy}/${mm}`;
}

export function originalKey(id: string, createdAt: string, contentType: AllowedContentType): string {
  return `${ORIGINALS_PREFIX}${yearMonth(createdAt)}/${id}.${EXTENSION_BY_TYPE[contentType]}`;
}

export function thumbnailKey(id: string, createdAt: string, size: ThumbnailSize): string {
  return `${THUMBNAILS_PREFIX}${yearMonth(createdAt)}/${id}_${size}.webp`;
}

const ORIGINAL_KEY = /^images\/\d{4}\/\d{2}\/([A-Za-z0-9_-]+)\.[a-z]+$/;

/** The image id an original's key belongs to, or `undefined` for a key outside the layout. */
export function imageIdFromOriginalKey(key: string): string | undefined {
  return ORIGINAL_KEY.exec(key)?.[1];
}
