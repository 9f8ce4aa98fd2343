/**
 * What the API answers, as zod schemas. The client-facing types (`Image`, `PresignedUpload`, ...) are
 * inferred from them and the OpenAPI document is generated from them, so the two cannot drift.
 */
import * as z from "zod";
import { ALLOWED_CONTENT_TYPES } from "./upload-policy.js";

const isoDateTime = z.string().describe("ISO-8601 timestamp");
const dimensions = z.object({
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
});
const errorDetail = z.object({ code: z.string(), message: z.string() });

export const imageStatusSchema = z.enum(["pending", "processing", "ready", "failed"]);
export const analysisStatusSchema = z.enum(["pending", "done", "failed", "skipped"]);

export const imageAnalysisSchema = z.object({
  status: analysisStatusSchema,
  provider: z.string().optional(),
  model: z.string().optional(),
  description: z.string().optional(),
  tags: z.array(z.string()),
  text: z.string().optional(),
  usage: z
    .object({ inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative() })
    .optional()
    .describe("Tokens the AI provider billed for this analysis"),
  error: errorDetail.optional().describe("Why the analysis failed"),
});

export const exifSummarySchema = z.object({
  camera: z.string().optional(),
  takenAt: z.string().optional().describe("When the photo was taken, as the camera recorded it (ISO-8601)"),
});

export const imageUrlsSchema = z.object({
  original: z.string().optional(),
  thumb: z.string().optional(),
  preview: z.string().optional(),
});

export const imageSchema = z.object({
  id: z.string().describe("Server-generated, URL-safe, sortable by creation time"),
  status: imageStatusSchema,
  filename: z.string(),
  contentType: z.enum(ALLOWED_CONTENT_TYPES),
  size: z.number().int().nonnegative(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  width: z.number().int().nonnegative().optional(),
  height: z.number().int().nonnegative().optional(),
  format: z.string().optional().describe("The format the bytes turned out to be (decoder name)"),
  exif: exifSummarySchema.optional(),
  tags: z.array(z.string()),
  note: z.string().nullable(),
  analysis: imageAnalysisSchema,
  thumbnails: z.object({ thumb: dimensions, preview: dimensions }).optional(),
  urls: imageUrlsSchema.optional().describe("Presigned GET URLs, valid for a few minutes"),
  checksum: z
    .object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) })
    .optional()
    .describe("Digest of the original the server checked (lower-case hex); once the image is ready"),
  error: errorDetail.optional().describe("Only when status is failed"),
});

export const presignedUploadSchema = z.object({
  method: z.enum(["PUT", "POST"]),
  url: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
  fields: z.record(z.string(), z.string()).optional(),
  expiresAt: isoDateTime,
});

export const createdImageSchema = z.object({
  image: imageSchema,
  upload: presignedUploadSchema,
  duplicates: z
    .array(z.string())
    .describe(
      "Ids of the caller's ready, non-deleted images with the declared `sha256` (at most 100); empty without one",
    ),
});

export const imagePageSchema = z.object({
  items: z.array(imageSchema),
  nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last"),
});

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().describe("snake_case, stable"),
    message: z.string().describe("What went wrong, for a person"),
    details: z.unknown().optional().describe("Validation errors: each problem by path"),
  }),
});

export type ImageStatus = z.output<typeof imageStatusSchema>;
export type AnalysisStatus = z.output<typeof analysisStatusSchema>;
export type ImageAnalysis = z.output<typeof imageAnalysisSchema>;
export type ExifSummary = z.output<typeof exifSummarySchema>;
export type ImageUrls = z.output<typeof imageUrlsSchema>;
export type Image = z.output<typeof imageSchema>;
export type PresignedUpload = z.output<typeof presignedUploadSchema>;
export type CreatedImage = z.output<typeof createdImageSchema>;
export type ImagePage = z.output<typeof imagePageSchema>;
export type ErrorBody = z.output<typeof errorBodySchema>;
