/**
 * The search document of an image record. A stand-in until the ranking engine's own (branch
 * h/search-engine) is merged: the same signature, the record's searchable fields only.
 */
import type { ImageRecord } from "../image.js";
import type { SearchDoc } from "./types.js";

export function searchDocOf(record: ImageRecord): SearchDoc {
  const doc: SearchDoc = {
    id: record.id,
    createdAt: record.createdAt,
    filename: record.filename,
    tags: [...record.tags],
    version: record.updatedAt,
  };
  if (record.exif?.camera) doc.camera = record.exif.camera;
  if (record.note) doc.note = record.note;
  if (record.analysis.description) doc.description = record.analysis.description;
  if (record.analysis.text) doc.text = record.analysis.text;
  if (record.checksum) doc.sha256 = record.checksum.sha256;
  if (record.phash) doc.phash = record.phash;
  if (record.embedding) doc.embedding = record.embedding.vector;
  return doc;
}
