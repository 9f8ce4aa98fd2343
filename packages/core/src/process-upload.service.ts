/**
 * Process one uploaded original: claim the image, check the real bytes, write thumbnails, mark it
 * `ready`; or mark it `failed` with a code and remove the bytes. Safe to run more than once for the
 * same upload: only the worker that claims the image does the work, and every later notification checks
 * that the bytes behind a final image are still the ones that were checked.
 *
 * Why the checks catch every replaced original: a presigned upload is refused once an object exists,
 * but storage that ignored that would let a second PUT through. Each PUT is followed by a notification.
 * A worker marks an image `ready` and then reads the original's ETag again, and marks it `failed` before
 * it deletes the bytes; so a PUT before that second look is seen by the worker itself, and a PUT after it
 * notifies about an image that is already final, which the notification's own check handles. A
 * notification that finds the image claimed by a live worker can therefore be dropped.
 */
import { createHash } from "node:crypto";
import {
  type AnalysisProvider,
  type AnalyzeDeps,
  analyzeImage,
  failAnalysis,
  type ImageFeatures,
} from "./analysis.js";
import { ImageRejectedError } from "./errors.js";
import type { ImageRecord } from "./image.js";
import type { Clock, ImageProcessor, ImageRef, ImageRepository, ObjectStore } from "./ports.js";
import type { EmbeddingProvider } from "./search/types.js";
import { imageIdFromOriginalKey, thumbnailKey } from "./storage-layout.js";
import { ALLOWED_FORMATS } from "./upload-policy.js";

export interface ProcessUploadDeps {
  images: ImageRepository;
  objects: ObjectStore;
  processor: ImageProcessor;
  clock: Clock;
  /** How long a worker owns an image (and an analysis); after that a redelivery may take over. */
  leaseSeconds: number;
  provider: AnalysisProvider;
  /** Embeds each analysis' text for semantic search; absent when no embedding provider is configured. */
  embeddings?: EmbeddingProvider;
  /**
   * Runs the image step (claim, decode, thumbnails, ready). The worker passes a one-at-a-time gate, so
   * large decodes never overlap in memory and an image is claimed only when its work really starts.
   */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
  /** Epoch milliseconds when the invocation ends; the analysis ends before it. */
  deadline?: number;
  log?: AnalyzeDeps["log"];
}

/** How a message was delivered. */
export interface Delivery {
  /**
   * The queue's last receive, after every processing attempt: images that were attempted are not tried
   * again but failed, so they end in a final state before the message moves to the dead-letter queue.
   */
  pastLastAttempt?: boolean;
}

export type ProcessOutcome =
  | { outcome: "ready"; id: string }
  | { outcome: "failed"; id: string; code: string }
  | {
      outcome: "skipped";
      reason: "outside_layout" | "unknown_image" | "already_claimed" | "not_enough_time";
      key: string;
    };

/** The error code of an image whose worker never finished (killed, timed out, or failing every time). */
export const RETRIES_EXHAUSTED = "retries_exhausted";
/** The error code of a ready image whose original was replaced by bytes that were never checked. */
export const ORIGINAL_REPLACED = "original_replaced";

const EXHAUSTED_ERROR = {
  code: RETRIES_EXHAUSTED,
  message: "Processing did not finish after repeated attempts; the file was removed, upload it again",
};
const REPLACED_ERROR = {
  code: ORIGINAL_REPLACED,
  message: "The uploaded file was replaced after it was checked; the file was removed, upload it again",
};

/** An image step needs this much of the invocation left; otherwise the message waits for a fresh one. */
export const MIN_IMAGE_STEP_MS = 15_000;

const direct = <T>(work: () => Promise<T>) => work();

function refOf(record: ImageRecord): ImageRef {
  return { id: record.id, userId: record.userId, createdAt: record.createdAt };
}

function storedKeys(record: ImageRecord): string[] {
  return [
    record.originalKey,
    record.thumbnails?.thumb.key ?? thumbnailKey(record.id, record.createdAt, "thumb"),
    record.thumbnails?.preview.key ?? thumbnailKey(record.id, record.createdAt, "preview"),
  ];
}

export async function processUpload(
  deps: ProcessUploadDeps,
  upload: { key: string; size?: number },
  delivery: Delivery = {},
): Promise<ProcessOutcome> {
  const id = imageIdFromOriginalKey(upload.key);
  if (!id) return { outcome: "skipped", reason: "outside_layout", key: upload.key };

  const existing = await deps.images.get(id);
  if (!existing || existing.originalKey !== upload.key) {
    // No record owns this key: nothing presigned it, or it was purged. Do not keep unowned bytes.
    await deps.objects.delete([upload.key]);
    return { outcome: "skipped", reason: "unknown_image", key: upload.key };
  }
  if (existing.status === "ready" || existing.status === "failed") {
    return checkFinal(deps, existing, delivery);
  }
  if (delivery.pastLastAttempt && existing.status === "processing" && (existing.claims ?? 0) > 0) {
    // Claimed on earlier receives and never finished: its worker died or timed out each time.
    return abandon(deps, existing);
  }
  const exclusive = deps.exclusive ?? direct;
  const step = await exclusive(() => imageStep(deps, upload, existing, delivery));
  if (step.kind === "done") return step.outcome;
  return afterReady(deps, step);
}

type Step =
  | { kind: "done"; outcome: ProcessOutcome }
  | { kind: "ready"; record: ImageRecord; preview: Uint8Array; features: ImageFeatures };

/** Claim, check, thumbnails, ready. Runs inside the gate. */
async function imageStep(
  deps: ProcessUploadDeps,
  upload: { key: string; size?: number },
  existing: ImageRecord,
  delivery: Delivery,
): Promise<Step> {
  const now = deps.clock.now();
  if (deps.deadline !== undefined && deps.deadline - Date.now() < MIN_IMAGE_STEP_MS) {
    // Not claimed: a later receive, with a whole invocation ahead, does the work.
    return { kind: "done", outcome: { outcome: "skipped", reason: "not_enough_time", key: upload.key } };
  }
  const leaseUntil = leaseEnd(deps, now);
  const record = await deps.images.claimForProcessing(refOf(existing), now.toISOString(), leaseUntil);
  if (!record) {
    // Another worker owns it, or it became final while this message waited for the gate.
    const current = await deps.images.get(existing.id);
    if (current && (current.status === "ready" || current.status === "failed")) {
      return { kind: "done", outcome: await checkFinal(deps, current, delivery) };
    }
    return { kind: "done", outcome: { outcome: "skipped", reason: "already_claimed", key: upload.key } };
  }

  try {
    if (upload.size !== undefined && upload.size !== record.size) {
      throw new ImageRejectedError(
        "size_mismatch",
        `The upload is ${upload.size} bytes but ${record.size} bytes were declared`,
      );
    }
    const { bytes, etag } = await deps.objects.read(record.originalKey);
    if (bytes.byteLength !== record.size) {
      throw new ImageRejectedError(
        "size_mismatch",
        `The upload is ${bytes.byteLength} bytes but ${record.size} bytes were declared`,
      );
    }
    // The bytes already in memory, hashed once: no second read of the original.
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (record.declaredSha256 !== undefined && record.declaredSha256 !== sha256) {
      throw new ImageRejectedError(
        "checksum_mismatch",
        "The uploaded file's SHA-256 is not the one declared at creation; the file was removed",
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
      originalEtag: etag,
      checksum: { sha256 },
      ...(rendered.phash ? { phash: rendered.phash } : {}),
    };
    await deps.images.markReady(refOf(record), deps.clock.now().toISOString(), result);
    return {
      kind: "ready",
      record: { ...record, ...result, status: "ready" },
      preview: rendered.preview.data,
      features: {
        width: info.width,
        height: info.height,
        format: info.format,
        hasAlpha: info.hasAlpha,
        pages: info.pages,
        ...(info.camera ? { camera: info.camera } : {}),
      },
    };
  } catch (error) {
    if (error instanceof ImageRejectedError) {
      // Failed first, then the bytes go: a PUT after the delete notifies about a final image.
      await deps.images.markFailed(refOf(record), deps.clock.now().toISOString(), {
        code: error.code,
        message: error.message,
      });
      await deps.objects.delete([record.originalKey]);
      return { kind: "done", outcome: { outcome: "failed", id: record.id, code: error.code } };
    }
    if (delivery.pastLastAttempt) {
      // No receive is left to retry this one: end it now rather than leave it `processing`.
      await deps.images.markFailed(refOf(record), deps.clock.now().toISOString(), EXHAUSTED_ERROR);
      await deps.objects.delete(storedKeys(record));
    }
    throw error;
  }
}

/** The second look at the original, then the analysis (outside the gate: it waits on the network). */
async function afterReady(
  deps: ProcessUploadDeps,
  step: Extract<Step, { kind: "ready" }>,
): Promise<ProcessOutcome> {
  const { record } = step;
  const stored = await deps.objects.head(record.originalKey);
  if (stored && stored.etag !== record.originalEtag) return replaced(deps, record);
  await runAnalysis(deps, record, step.preview, step.features);
  return { outcome: "ready", id: record.id };
}

/** A notification for an image that is already final: nothing unchecked may stay behind it. */
async function checkFinal(
  deps: ProcessUploadDeps,
  record: ImageRecord,
  delivery: Delivery,
): Promise<ProcessOutcome> {
  const skipped: ProcessOutcome = { outcome: "skipped", reason: "already_claimed", key: record.originalKey };
  if (record.deletedAt) return skipped;
  const stored = await deps.objects.head(record.originalKey);
  if (record.status === "failed") {
    // A failed image's bytes are removed; anything there now was written after, and never checked.
    if (stored) await deps.objects.delete([record.originalKey]);
    return skipped;
  }
  // Records made before ETags were kept have none to compare with.
  if (stored && record.originalEtag && stored.etag !== record.originalEtag) return replaced(deps, record);
  if (record.analysis.status === "pending") await resumeAnalysis(deps, record, delivery);
  return skipped;
}

/**
 * The original of a ready image was replaced. Its thumbnails and analysis describe bytes that no longer
 * exist, and the bytes that do exist were never checked: the image fails, and original and thumbnails
 * go (there is no checked copy to put back).
 */
async function replaced(deps: ProcessUploadDeps, record: ImageRecord): Promise<ProcessOutcome> {
  const marked = await deps.images.markOriginalReplaced(
    refOf(record),
    deps.clock.now().toISOString(),
    record.originalEtag ?? "",
    REPLACED_ERROR,
  );
  if (marked) await deps.objects.delete(storedKeys(record));
  deps.log?.("original replaced after it was checked", { id: record.id, marked });
  return { outcome: "failed", id: record.id, code: ORIGINAL_REPLACED };
}

async function abandon(deps: ProcessUploadDeps, record: ImageRecord): Promise<ProcessOutcome> {
  const marked = await deps.images.markAbandoned(
    refOf(record),
    deps.clock.now().toISOString(),
    EXHAUSTED_ERROR,
  );
  if (!marked) return { outcome: "skipped", reason: "already_claimed", key: record.originalKey };
  await deps.objects.delete(storedKeys(record));
  return { outcome: "failed", id: record.id, code: RETRIES_EXHAUSTED };
}

/** A lease never outlasts the invocation: once it has ended, a redelivery may take over at once. */
function leaseEnd(deps: Pick<ProcessUploadDeps, "leaseSeconds" | "deadline">, now: Date): string {
  const end = now.getTime() + deps.leaseSeconds * 1000;
  return new Date(deps.deadline === undefined ? end : Math.min(end, deps.deadline)).toISOString();
}

/** Takes the analysis of a ready image for this invocation; `undefined` when another worker has it. */
function claimAnalysis(
  deps: Pick<ProcessUploadDeps, "images" | "clock" | "leaseSeconds" | "deadline">,
  record: ImageRecord,
): Promise<ImageRecord | undefined> {
  const now = deps.clock.now();
  return deps.images.claimAnalysis(refOf(record), now.toISOString(), leaseEnd(deps, now));
}

async function runAnalysis(
  deps: ProcessUploadDeps,
  record: ImageRecord,
  preview: Uint8Array,
  features: ImageFeatures,
): Promise<void> {
  const claimed = await claimAnalysis(deps, record);
  // Another worker took it (a duplicate delivery): it stores the result.
  if (!claimed) return;
  await analyzeImage(deps, claimed, preview, features);
}

/** Features for an analysis from the record and its preview (the original is not read again). */
async function featuresFromPreview(
  deps: Pick<ProcessUploadDeps, "processor">,
  record: ImageRecord,
  preview: Uint8Array,
): Promise<ImageFeatures> {
  const info = await deps.processor.inspect(preview);
  return {
    width: record.width ?? info.width,
    height: record.height ?? info.height,
    format: record.format ?? info.format,
    hasAlpha: info.hasAlpha,
    pages: 1,
    ...(record.exif?.camera ? { camera: record.exif.camera } : {}),
  };
}

/** A ready image whose analysis never got stored (its worker died): run it now, or end it. */
async function resumeAnalysis(
  deps: Omit<ProcessUploadDeps, "exclusive">,
  record: ImageRecord,
  delivery: Delivery,
): Promise<"analyzed" | "skipped"> {
  if (!record.thumbnails) return "skipped";
  const claimed = await claimAnalysis(deps, record);
  if (!claimed) return "skipped";
  if (delivery.pastLastAttempt) {
    await failAnalysis(deps, claimed, "interrupted");
    return "analyzed";
  }
  const preview = await deps.objects.getBytes(record.thumbnails.preview.key);
  await analyzeImage(deps, claimed, preview, await featuresFromPreview(deps, record, preview));
  return "analyzed";
}

/** Runs the analysis again for a ready image (POST /images/{id}/analyze), from its preview thumbnail. */
export async function runRequestedAnalysis(
  deps: Omit<ProcessUploadDeps, "exclusive">,
  imageId: string,
  delivery: Delivery = {},
): Promise<{ outcome: "analyzed" | "skipped"; id: string }> {
  const record = await deps.images.get(imageId);
  if (record?.status !== "ready" || record.analysis.status !== "pending") {
    return { outcome: "skipped", id: imageId };
  }
  return { outcome: await resumeAnalysis(deps, record, delivery), id: imageId };
}
