/** Create an image: a `pending` record and a presigned upload bound to the declared type and size. */
import * as z from "zod";
import { newImageId } from "./ids.js";
import type { Image, ImageRecord } from "./image.js";
import { toImage } from "./image.js";
import { NO_CONTROL_CHARACTERS, NOT_BLANK, textUpTo } from "./patterns.js";
import type { Clock, ImageRepository, ObjectStore, PresignedUpload } from "./ports.js";
import { originalKey } from "./storage-layout.js";
import { MAX_TAG_LENGTH, MAX_TAGS, normalizeTags } from "./tags.js";
import {
  ACCEPTED_CONTENT_TYPE_PATTERN,
  ALLOWED_CONTENT_TYPES,
  assertUploadAllowed,
} from "./upload-policy.js";

export const MAX_NOTE_LENGTH = 2000;

/** A user tag as sent: 1–50 characters with something besides whitespace (trimmed, lower-cased after). */
export const tagInput = textUpTo(MAX_TAG_LENGTH).regex(NOT_BLANK, "must not be blank");
export const tagsInput = z.array(tagInput).max(MAX_TAGS);

export const createImageInput = z.strictObject({
  filename: textUpTo(255)
    .regex(NO_CONTROL_CHARACTERS, "must not contain control characters")
    .regex(NOT_BLANK, "must not be blank")
    .trim(),
  // A type outside the accepted list is a 415, not a 400, so the schema does not refuse it itself;
  // the pattern (generated from the same list) documents what `assertUploadAllowed` accepts.
  contentType: z
    .string()
    .min(1)
    .max(255)
    .meta({
      pattern: ACCEPTED_CONTENT_TYPE_PATTERN,
      description: `One of ${ALLOWED_CONTENT_TYPES.join(", ")}; case and surrounding whitespace are ignored`,
    }),
  size: z.number().int().positive().describe("Bytes; over the deployment's maximum answers 413"),
  note: textUpTo(MAX_NOTE_LENGTH).nullable().optional(),
  tags: tagsInput.optional(),
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
