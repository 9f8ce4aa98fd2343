/** List, update, delete, restore and purge a user's images. */
import * as z from "zod";
import { MAX_NOTE_LENGTH, tagsInput } from "./create-upload.service.js";
import type { CursorCodec } from "./cursor.js";
import { ConflictError, DomainError, ImageNotFoundError } from "./errors.js";
import { getOwnedImage, presignImageUrls } from "./get-image.service.js";
import { type Image, type ImageRecord, toImage } from "./image.js";
import { NOT_BLANK, textUpTo } from "./patterns.js";
import type { AnalysisQueue, Clock, ImageRepository, ListQuery, ListStats, ObjectStore } from "./ports.js";
import { MAX_TAG_LENGTH, normalizeTags } from "./tags.js";

const isoDate = z.iso.datetime({ offset: true }).or(z.iso.date());

/**
 * A page size as the query string carries it: digits only (`0x10`, ` 5` and `1e1` are not page sizes,
 * whatever Number() makes of them), 1–100, leading zeros allowed. A pattern, so the document says it.
 */
export const LIMIT_PATTERN = /^(?:0{0,2}[1-9]|0?[1-9][0-9]|100)$/;

export const listImagesQuery = z.strictObject({
  limit: z
    .string()
    .regex(LIMIT_PATTERN, "must be a whole number from 1 to 100")
    .prefault("20")
    .transform(Number)
    .describe("Page size, 1–100 (default 20)"),
  cursor: z.string().min(1).max(2048).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  tag: textUpTo(MAX_TAG_LENGTH).regex(NOT_BLANK, "must not be blank").trim().toLowerCase().optional(),
  status: z.enum(["pending", "processing", "ready", "failed"]).optional(),
  order: z.enum(["desc", "asc"]).default("desc"),
});
export type ListImagesQuery = z.infer<typeof listImagesQuery>;

export const updateImageInput = z
  .strictObject({
    note: textUpTo(MAX_NOTE_LENGTH).nullable().optional(),
    tags: tagsInput.optional(),
  })
  .refine((v) => v.note !== undefined || v.tags !== undefined, "Give a note, tags, or both")
  // The refinement above in the document's terms: the object allows only these two keys.
  .meta({ minProperties: 1 });
export type UpdateImageInput = z.infer<typeof updateImageInput>;

export class RestoreWindowClosedError extends DomainError {
  readonly code = "restore_window_closed";
}

export class ImageNotDeletedError extends DomainError {
  readonly code = "image_not_deleted";
  constructor() {
    super("The image is not deleted");
  }
}

export class InvalidRangeError extends DomainError {
  readonly code = "validation_error";
}

export interface ManageDeps {
  images: ImageRepository;
  objects: ObjectStore;
  clock: Clock;
}

/** `from`/`to` as full ISO timestamps; a bare date covers that whole day. */
function bounds(query: ListImagesQuery): { from?: string; to?: string } {
  const from = query.from ? new Date(query.from).toISOString() : undefined;
  const to = query.to
    ? query.to.length === 10
      ? new Date(`${query.to}T23:59:59.999Z`).toISOString()
      : new Date(query.to).toISOString()
    : undefined;
  if (from && to && from > to) throw new InvalidRangeError("`from` must not be after `to`");
  return { from, to };
}

/**
 * A page of the caller's images. It may be short, even empty, with a `nextCursor`: each request does
 * bounded work, and clients follow the cursor. `stats` is what the page cost, for the logs.
 */
export async function listImages(
  deps: ManageDeps & { cursors: CursorCodec },
  userId: string,
  query: ListImagesQuery,
): Promise<{ page: { items: Image[]; nextCursor: string | null }; stats?: ListStats }> {
  const { from, to } = bounds(query);
  // The cursor is bound to the user and to every parameter that shapes the pages.
  const binding = JSON.stringify([userId, query.limit, from, to, query.tag, query.status, query.order]);
  const listQuery: ListQuery = { userId, limit: query.limit, order: query.order };
  if (from) listQuery.from = from;
  if (to) listQuery.to = to;
  if (query.tag) listQuery.tag = query.tag;
  if (query.status) listQuery.status = query.status;
  if (query.cursor) listQuery.after = deps.cursors.decode(query.cursor, binding);
  const page = await deps.images.list(listQuery);
  const items = await Promise.all(
    page.items.map(async (record) => toImage(record, await presignImageUrls(deps.objects, record))),
  );
  return {
    page: { items, nextCursor: page.next ? deps.cursors.encode(page.next, binding) : null },
    ...(page.stats ? { stats: page.stats } : {}),
  };
}

export async function updateImage(
  deps: ManageDeps,
  userId: string,
  id: string,
  input: UpdateImageInput,
): Promise<Image> {
  const changes: { note?: string | null; tags?: string[] } = {};
  // An empty or null note removes the note, never the image.
  if (input.note !== undefined) changes.note = input.note?.trim() ? input.note.trim() : null;
  if (input.tags !== undefined) changes.tags = normalizeTags(input.tags);
  const updated = await onFreshRead(
    () => getOwnedImage(deps.images, userId, id),
    (record) => deps.images.updateDetails(record, deps.clock.now().toISOString(), changes),
  );
  return toImage(updated, await presignImageUrls(deps.objects, updated));
}

export async function deleteImage(deps: ManageDeps, userId: string, id: string): Promise<void> {
  await onFreshRead(
    () => getOwnedImage(deps.images, userId, id),
    (record) => deps.images.softDelete(record, deps.clock.now().toISOString()),
  );
}

/** How often a user's write is applied again to a record the pipeline changed between read and write. */
const FRESH_READ_ATTEMPTS = 3;

/**
 * The repository's writes are conditional on the record as read (tags, status), so a worker that merges
 * AI tags or moves the status between our read and our write makes the write a ConflictError. The user
 * asked for an outcome (these tags, this note, deleted, restored), not for a race: read again and apply
 * it to the new state. A record that keeps changing still ends in the 409.
 */
async function onFreshRead<T>(
  read: () => Promise<ImageRecord>,
  write: (record: ImageRecord) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write(await read());
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= FRESH_READ_ATTEMPTS) throw error;
    }
  }
}

export async function restoreImage(
  deps: ManageDeps & { retentionDays: number },
  userId: string,
  id: string,
): Promise<Image> {
  const now = deps.clock.now();
  const restored = await onFreshRead(
    async () => {
      const record = await deps.images.get(id);
      if (!record || record.userId !== userId) throw new ImageNotFoundError();
      if (!record.deletedAt) throw new ImageNotDeletedError();
      if (now.getTime() - Date.parse(record.deletedAt) > deps.retentionDays * 86_400_000) {
        throw new RestoreWindowClosedError(`Deleted images can be restored for ${deps.retentionDays} days`);
      }
      return record;
    },
    (record) => deps.images.restore(record, now.toISOString()),
  );
  return toImage(restored, await presignImageUrls(deps.objects, restored));
}

/** Removes images deleted longer ago than the retention: record, tag items, original and thumbnails. */
export async function purgeDeleted(
  deps: ManageDeps & { retentionDays: number },
  batch = 100,
): Promise<{ purged: string[]; users: string[] }> {
  const before = new Date(deps.clock.now().getTime() - deps.retentionDays * 86_400_000).toISOString();
  const purged: string[] = [];
  // Whose libraries changed: their search indexes are compacted, so nothing of a purged image stays.
  const users = new Set<string>();
  for (;;) {
    const due = await deps.images.listDeletedBefore(before, batch);
    if (due.length === 0) break;
    for (const record of due) {
      const keys = [record.originalKey];
      if (record.thumbnails) keys.push(record.thumbnails.thumb.key, record.thumbnails.preview.key);
      // Objects first: if this fails the record stays, and the next run tries again.
      await deps.objects.delete(keys);
      await deps.images.purge(record);
      purged.push(record.id);
      users.add(record.userId);
    }
    if (due.length < batch) break;
  }
  return { purged, users: [...users] };
}

export class ImageNotReadyError extends DomainError {
  readonly code = "image_not_ready";
  constructor() {
    super("Only a ready image can be analyzed again");
  }
}

export class AnalysisPendingError extends DomainError {
  readonly code = "analysis_pending";
  constructor() {
    super("An analysis of this image is already queued or running; poll the image for its result");
  }
}

/**
 * Marks the analysis pending and queues it; the worker runs it and stores the result. Refused while an
 * analysis is pending, so repeated requests never queue repeated paid calls.
 */
export async function requestImageAnalysis(
  deps: ManageDeps & { analysisQueue: AnalysisQueue },
  userId: string,
  id: string,
): Promise<Image> {
  const record = await getOwnedImage(deps.images, userId, id);
  if (record.status !== "ready") throw new ImageNotReadyError();
  if (record.analysis.status === "pending") throw new AnalysisPendingError();
  const pending = await deps.images.requestAnalysis(record, deps.clock.now().toISOString());
  if (!pending) {
    // Lost a race: another request queued it, or the image changed meanwhile.
    const current = await getOwnedImage(deps.images, userId, id);
    if (current.status === "ready" && current.analysis.status === "pending") throw new AnalysisPendingError();
    throw new ImageNotReadyError();
  }
  await deps.analysisQueue.requestAnalysis(id);
  return toImage(pending, await presignImageUrls(deps.objects, pending));
}
