/** Create an image: a `pending` record and a presigned upload bound to the declared type and size. */
import * as z from "zod";
import { newImageId } from "./ids.js";
import type { Image, ImageRecord } from "./image.js";
import { toImage } from "./image.js";
import type { Clock, ImageRepository, ObjectStore, PresignedUpload } from "./ports.js";
import { originalKey } from "./storage-layout.js";
import { normalizeTags } from "./tags.js";
import { assertUploadAllowed } from "./upload-policy.js";

export const MAX_NOTE_LENGTH = 2000;

// Control characters would end up in Content-Disposition headers and logs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export const createImageInput = z.strictObject({
  filename: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .refine((s) => !CONTROL_CHARS.test(s), "must not contain control characters"),
  contentType: z.string().min(1).max(255),
  size: z.number().int().positive(),
  note: z.string().max(MAX_NOTE_LENGTH).nullable().optional(),
  tags: z.array(z.string().max(200)).max(100).optional(),
});

export type CreateImageInput = z.infer<typeof createImageInput>;

export interface CreateUploadDeps {
  images: ImageRepository;
  objects: ObjectStore;
  clock: Clock;
  maxUploadBytes: number;
}

export async function createUpload(
  deps: CreateUploadDeps,
  userId: string,
  input: CreateImageInput,
): Promise<{ image: Image; upload: PresignedUpload }> {
  const contentType = input.contentType.trim().toLowerCase();
  assertUploadAllowed(contentType, input.size, deps.maxUploadBytes);
  const now = deps.clock.now();
  const createdAt = now.toISOString();
  const id = newImageId(now);
  const note = input.note?.trim() ? input.note.trim() : null;
  const record: ImageRecord = {
    id,
    userId,
    status: "pending",
    filename: input.filename,
    contentType,
    size: input.size,
    originalKey: originalKey(id, createdAt, contentType),
    createdAt,
    updatedAt: createdAt,
    note,
    tags: normalizeTags(input.tags ?? []),
    analysis: { status: "pending", tags: [] },
  };
  // Sign first: if signing fails there is no orphan record.
  const upload = await deps.objects.presignUpload(record.originalKey, contentType, input.size);
  await deps.images.create(record);
  return { image: toImage(record), upload };
}
