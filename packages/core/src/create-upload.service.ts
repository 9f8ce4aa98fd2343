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
/** Duplicates listed at most in a creation's answer: the lookup reads no more than this many entries. */
export const MAX_DUPLICATES = 100;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

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
  sha256: z
    .string()
    .regex(SHA256_HEX, "must be 64 hexadecimal characters")
    .toLowerCase()
    .optional()
    .describe(
      "The file's SHA-256 (64 hex characters, any case): the upload is bound to those bytes, and `duplicates` lists the caller's images with the same digest",
    ),
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
): Promise<{ image: Image; upload: PresignedUpload; duplicates: string[] }> {
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
    ...(input.sha256 ? { declaredSha256: input.sha256 } : {}),
  };
  // Sign first: if signing fails there is no orphan record.
  const upload = await deps.objects.presignUpload(record.originalKey, contentType, input.size, input.sha256);
  // Looked up before the new record exists, which is not ready anyway: it never lists itself.
  const duplicates = input.sha256
    ? (await deps.images.findBySha256(userId, input.sha256, MAX_DUPLICATES)).map((r) => r.id)
    : [];
  await deps.images.create(record);
  return { image: toImage(record), upload, duplicates };
}
