/**
 * Process one uploaded original: claim the image, check the real bytes, write thumbnails, mark it
 * `ready`; or mark it `failed` with a code and remove the bytes. Safe to run more than once for the
 * same upload: only the worker that claims the image does the work.
 */
import { type AnalysisProvider, analyzeImage } from "./analysis.js";
import { ImageRejectedError } from "./errors.js";
import type { Clock, ImageProcessor, ImageRepository, ObjectStore } from "./ports.js";
import { imageIdFromOriginalKey, thumbnailKey } from "./storage-layout.js";
import { ALLOWED_FORMATS } from "./upload-policy.js";

export interface ProcessUploadDeps {
  images: ImageRepository;
  objects: ObjectStore;
  processor: ImageProcessor;
  clock: Clock;
  /** How long a worker owns an image; after that a redelivery may take over. */
  leaseSeconds: number;
  provider: AnalysisProvider;
}

export type ProcessOutcome =
  | { outcome: "ready"; id: string }
  | { outcome: "failed"; id: string; code: string }
  | { outcome: "skipped"; reason: "outside_layout" | "unknown_image" | "already_claimed"; key: string };

export async function processUpload(
  deps: ProcessUploadDeps,
  upload: { key: string; size?: number },
): Promise<ProcessOutcome> {
  const id = imageIdFromOriginalKey(upload.key);
  if (!id) return { outcome: "skipped", reason: "outside_layout", key: upload.key };

  const existing = await deps.images.get(id);
  if (!existing || existing.originalKey !== upload.key) {
    // No record owns this key: nothing presigned it, or it was purged. Do not keep unowned bytes.
    await deps.objects.delete([upload.key]);
    return { outcome: "skipped", reason: "unknown_image", key: upload.key };
  }

  const now = deps.clock.now();
  const leaseUntil = new Date(now.getTime() + deps.leaseSeconds * 1000).toISOString();
  const record = await deps.images.claimForProcessing(existing, now.toISOString(), leaseUntil);
  if (!record) return { outcome: "skipped", reason: "already_claimed", key: upload.key };

  try {
    if (upload.size !== undefined && upload.size !== record.size) {
      throw new ImageRejectedError(
        "size_mismatch",
        `The upload is ${upload.size} bytes but ${record.size} bytes were declared`,
      );
    }
    const bytes = await deps.objects.getBytes(record.originalKey);
    if (bytes.byteLength !== record.size) {
      throw new ImageRejectedError(
        "size_mismatch",
        `The upload is ${bytes.byteLength} bytes but ${record.size} bytes were declared`,
      );
    }
    const info = await deps.processor.inspect(bytes);
    if (!ALLOWED_FORMATS.has(info.format)) {
      throw new ImageRejectedError("unsupported_format", `Files in ${info.format} format are not accepted`);
    }
    // A different allowed format than declared (a PNG declared as JPEG) is accepted: the bytes decide,
    // `format` records what they are, and `contentType` stays as declared.
    const rendered = await deps.processor.thumbnails(bytes);
    const keys = {
      thumb: thumbnailKey(record.id, record.createdAt, "thumb"),
      preview: thumbnailKey(record.id, record.createdAt, "preview"),
    };
    await Promise.all([
      deps.objects.put(keys.thumb, rendered.thumb.data, "image/webp"),
      deps.objects.put(keys.preview, rendered.preview.data, "image/webp"),
    ]);
    const exif = {
      ...(info.camera ? { camera: info.camera } : {}),
      ...(info.takenAt ? { takenAt: info.takenAt } : {}),
    };
    const result = {
      width: info.width,
      height: info.height,
      format: info.format,
      ...(Object.keys(exif).length ? { exif } : {}),
      thumbnails: {
        thumb: { key: keys.thumb, width: rendered.thumb.width, height: rendered.thumb.height },
        preview: { key: keys.preview, width: rendered.preview.width, height: rendered.preview.height },
      },
    };
    await deps.images.markReady(record, deps.clock.now().toISOString(), result);
    // The image is ready now whatever the analysis does; a provider failure only marks the analysis.
    await analyzeImage(deps, { ...record, ...result, status: "ready" }, rendered.preview.data, {
      width: info.width,
      height: info.height,
      format: info.format,
      hasAlpha: info.hasAlpha,
      pages: info.pages,
      ...(info.camera ? { camera: info.camera } : {}),
    });
    return { outcome: "ready", id: record.id };
  } catch (error) {
    if (!(error instanceof ImageRejectedError)) throw error;
    await deps.objects.delete([record.originalKey]);
    await deps.images.markFailed(record, deps.clock.now().toISOString(), {
      code: error.code,
      message: error.message,
    });
    return { outcome: "failed", id: record.id, code: error.code };
  }
}

/** Runs the analysis again for a ready image (POST /images/{id}/analyze), from its preview thumbnail. */
export async function runRequestedAnalysis(
  deps: Omit<ProcessUploadDeps, "leaseSeconds">,
  imageId: string,
): Promise<{ outcome: "analyzed" | "skipped"; id: string }> {
  const record = await deps.images.get(imageId);
  if (record?.status !== "ready" || !record.thumbnails || record.analysis.status !== "pending") {
    return { outcome: "skipped", id: imageId };
  }
  const preview = await deps.objects.getBytes(record.thumbnails.preview.key);
  const info = await deps.processor.inspect(preview);
  await analyzeImage(deps, record, preview, {
    width: record.width ?? info.width,
    height: record.height ?? info.height,
    format: record.format ?? info.format,
    hasAlpha: info.hasAlpha,
    pages: 1,
  });
  return { outcome: "analyzed", id: imageId };
}

/** The error code of an image whose message ran out of receives; a dead-letter redrive retries it. */
export const RETRIES_EXHAUSTED = "retries_exhausted";

/**
 * Called on the last receive of a message whose processing keeps failing: marks the image `failed`
 * (if a worker had claimed it) so clients see an end state, before the message moves to the
 * dead-letter queue. Returns whether the image was marked.
 */
export async function failExhaustedUpload(
  deps: Pick<ProcessUploadDeps, "images" | "clock">,
  key: string,
  reason: string,
): Promise<boolean> {
  const id = imageIdFromOriginalKey(key);
  if (!id) return false;
  const record = await deps.images.get(id);
  if (!record) return false;
  try {
    await deps.images.markFailed(record, deps.clock.now().toISOString(), {
      code: RETRIES_EXHAUSTED,
      message: `Processing failed repeatedly (${reason.slice(0, 200)}); it can be retried from the dead-letter queue`,
    });
    return true;
  } catch (error) {
    if ((error as Error).name === "ConflictError") return false;
    throw error;
  }
}
