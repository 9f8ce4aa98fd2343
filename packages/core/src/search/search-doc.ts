/** What search knows of an image: derived from its record, only while the image is searchable. */
import type { ImageRecord } from "../image.js";
import type { SearchDoc } from "./types.js";

/**
 * The search document of a record, or `undefined` when the image is not searchable: only `ready`
 * images that are not (soft-)deleted are, so a pending upload or an image in the bin never shows up in
 * search or among similar images.
 */
export function searchDocOf(record: ImageRecord): SearchDoc | undefined {
  if (record.status !== "ready" || record.deletedAt !== undefined) return undefined;
  const doc: SearchDoc = {
    id: record.id,
    createdAt: record.createdAt,
    filename: record.filename,
    // Already normalised when stored; lower-cased again because the tag filter compares exactly.
    tags: record.tags.map((tag) => tag.toLowerCase()),
    version: record.updatedAt,
  };
  const camera = record.exif?.camera;
  if (camera) doc.camera = camera;
  if (record.note) doc.note = record.note;
  if (record.analysis.description) doc.description = record.analysis.description;
  if (record.analysis.text) doc.text = record.analysis.text;
  if (record.checksum?.sha256) doc.sha256 = record.checksum.sha256;
  if (record.phash) doc.phash = record.phash;
  if (record.embedding && record.embedding.vector.length > 0) doc.embedding = record.embedding.vector;
  return doc;
}
