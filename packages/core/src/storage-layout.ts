/**
 * Object keys (shared API contract "Storage layout"), under the bucket areas' prefixes that the
 * declaration names and IAM grants (infrastructure/picstack.ts `bucketAreaPrefixes`):
 * originals `images/{yyyy}/{mm}/{id}.{ext}`, thumbnails `thumbnails/{yyyy}/{mm}/{id}_{size}.webp`.
 */
import { bucketAreaPrefixes } from "@picstack/infrastructure";
import { type AllowedContentType, EXTENSION_BY_TYPE } from "./upload-policy.js";

export type ThumbnailSize = "thumb" | "preview";

function yearMonth(createdAt: string): string {
  // createdAt is ISO-8601 UTC: the first 7 characters are yyyy-mm.
  const [yyyy, mm] = createdAt.slice(0, 7).split("-");
  return `${yyyy}/${mm}`;
}

export function originalKey(id: string, createdAt: string, contentType: AllowedContentType): string {
  return `${bucketAreaPrefixes.originals}${yearMonth(createdAt)}/${id}.${EXTENSION_BY_TYPE[contentType]}`;
}

export function thumbnailKey(id: string, createdAt: string, size: ThumbnailSize): string {
  return `${bucketAreaPrefixes.thumbnails}${yearMonth(createdAt)}/${id}_${size}.webp`;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const ORIGINAL_KEY = new RegExp(
  `^${escapeRegExp(bucketAreaPrefixes.originals)}\\d{4}/\\d{2}/([A-Za-z0-9_-]+)\\.[a-z]+$`,
);

/** The image id an original's key belongs to, or `undefined` for a key outside the layout. */
export function imageIdFromOriginalKey(key: string): string | undefined {
  return ORIGINAL_KEY.exec(key)?.[1];
}
