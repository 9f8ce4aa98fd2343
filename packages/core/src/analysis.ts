/**
 * Image analysis behind a provider interface: an AI vision model, or the offline `basic` provider.
 * A provider failure never fails the image: the image stays `ready` and `analysis.status` says `failed`,
 * with a fixed code and message per kind of failure (provider text can hold keys or prompts; it is
 * logged, never stored).
 */
import { ConflictError } from "./errors.js";
import type { ImageAnalysis, ImageRecord } from "./image.js";
import type { Clock, ImageRepository } from "./ports.js";
import type { EmbeddingProvider } from "./search/types.js";
import { MAX_TAGS } from "./tags.js";

export const MAX_ANALYSIS_TAGS = 10;
export const MAX_DESCRIPTION_LENGTH = 300;
/** Text read from the image, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 2048;
/** Time kept back from the function's deadline to store the outcome of an analysis that ran out. */
export const ANALYSIS_RESERVE_MS = 5000;

/** What is known about an image before analysis, from its decoded header and its preview. */
export interface ImageFeatures {
  width: number;
  height: number;
  format: string;
  hasAlpha: boolean;
  /** Frames of an animated image; 1 otherwise. */
  pages: number;
  /** Camera make and model from EXIF, when present. */
  camera?: string;
}

export interface AnalysisOutput {
  description?: string;
  tags: string[];
  text?: string;
  usage?: { inputTokens: number; outputTokens: number };
}

export interface AnalyzeOptions {
  /** Aborted when the analysis must stop (its deadline passed). */
  signal?: AbortSignal;
  /** Epoch milliseconds by which the provider must have answered, retries included. */
  deadline?: number;
}

export interface AnalysisProvider {
  readonly name: string;
  readonly model?: string;
  /** `preview` is the WebP preview thumbnail, never the original. */
  analyze(preview: Uint8Array, features: ImageFeatures, options?: AnalyzeOptions): Promise<AnalysisOutput>;
}

export type AnalysisFailureKind = "timeout" | "provider_error" | "invalid_output";

/** A provider's failure, by kind; `cause` holds the details for the log. */
export class AnalysisFailure extends Error {
  constructor(
    readonly kind: AnalysisFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AnalysisFailure";
  }
}

/** What users see for each kind of failure: fixed texts, so nothing from the provider reaches them. */
export const ANALYSIS_ERRORS: Record<AnalysisFailureKind | "interrupted", { code: string; message: string }> =
  {
    timeout: {
      code: "analysis_timeout",
      message: "The analysis did not finish in time; POST /images/{id}/analyze to retry",
    },
    provider_error: {
      code: "analysis_provider_error",
      message: "The analysis provider failed; POST /images/{id}/analyze to retry",
    },
    invalid_output: {
      code: "analysis_invalid_output",
      message:
        "The analysis provider gave an answer that could not be used; POST /images/{id}/analyze to retry",
    },
    interrupted: {
      code: "analysis_interrupted",
      message: "The analysis was interrupted repeatedly; POST /images/{id}/analyze to retry",
    },
  };

/** Lower-cased, trimmed, de-duplicated, 1–50 characters, at most ten. */
export function cleanAnalysisTags(tags: ReadonlyArray<unknown>): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    if (typeof raw !== "string") continue;
    const tag = raw.trim().toLowerCase().replace(/\s+/g, " ");
    if (tag.length >= 1 && tag.length <= 50 && !out.includes(tag)) out.push(tag);
    if (out.length === MAX_ANALYSIS_TAGS) break;
  }
  return out;
}

/** The user's tags first, then AI tags they do not have, never more than MAX_TAGS in all. */
export function mergeTags(userTags: ReadonlyArray<string>, aiTags: ReadonlyArray<string>): string[] {
  const merged = [...userTags];
  for (const tag of aiTags) {
    if (merged.length >= MAX_TAGS) break;
    if (!merged.includes(tag)) merged.push(tag);
  }
  return merged;
}

/** At most `maxBytes` of UTF-8, cut at a character boundary. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= maxBytes) return text;
  // `fatal: false` drops a character split by the cut instead of throwing.
  return new TextDecoder("utf-8", { fatal: false })
    .decode(bytes.subarray(0, maxBytes))
    .replace(/\uFFFD+$/, "");
}

/** A failure kind for anything a provider throws. */
export function failureKind(error: unknown): AnalysisFailureKind {
  if (error instanceof AnalysisFailure) return error.kind;
  return "provider_error";
}

export interface AnalyzeDeps {
  images: ImageRepository;
  provider: AnalysisProvider;
  /** Embeds the text of a done analysis for semantic search; absent: no embedding is stored. */
  embeddings?: EmbeddingProvider;
  clock: Clock;
  /** Epoch milliseconds when the function ends; the analysis ends (`failed` if need be) before it. */
  deadline?: number;
  /** Where failure details go (never to the record). */
  log?: (message: string, details: Record<string, unknown>) => void;
}

/** Runs the provider, bounded by the deadline; never throws. */
async function runProvider(
  deps: AnalyzeDeps,
  preview: Uint8Array,
  features: ImageFeatures,
): Promise<{ ok: true; output: AnalysisOutput } | { ok: false; kind: AnalysisFailureKind }> {
  const deadline = deps.deadline === undefined ? undefined : deps.deadline - ANALYSIS_RESERVE_MS;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The provider is asked to stop at the deadline; the race makes sure the analysis ends then even if
  // a provider ignores the signal.
  const expired = new Promise<"timeout">((resolve) => {
    if (deadline === undefined) return;
    timer = setTimeout(
      () => {
        controller.abort();
        resolve("timeout");
      },
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    const work = deps.provider.analyze(preview, features, {
      signal: controller.signal,
      ...(deadline !== undefined ? { deadline } : {}),
    });
    const result = await Promise.race([work, expired]);
    if (result === "timeout") {
      work.catch(() => {});
      deps.log?.("analysis timed out", { provider: deps.provider.name });
      return { ok: false, kind: "timeout" };
    }
    return { ok: true, output: result };
  } catch (error) {
    const kind = controller.signal.aborted ? "timeout" : failureKind(error);
    deps.log?.("analysis failed", { provider: deps.provider.name, kind, error });
    return { ok: false, kind };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the provider and stores the result on the image; AI tags join the image's tags (and the tag
 * index). Never throws for a provider failure; storage errors propagate so the message is retried.
 */
export async function analyzeImage(
  deps: AnalyzeDeps,
  record: ImageRecord,
  preview: Uint8Array,
  features: ImageFeatures,
): Promise<ImageAnalysis> {
  const result = await runProvider(deps, preview, features);
  let analysis: ImageAnalysis;
  if (result.ok) {
    const { output } = result;
    const description =
      typeof output.description === "string"
        ? output.description.trim().slice(0, MAX_DESCRIPTION_LENGTH)
        : "";
    const text = typeof output.text === "string" ? truncateUtf8(output.text.trim(), MAX_TEXT_BYTES) : "";
    analysis = {
      status: "done",
      ...providerOf(deps),
      tags: cleanAnalysisTags(Array.isArray(output.tags) ? output.tags : []),
      ...(description ? { description } : {}),
      ...(text ? { text } : {}),
      ...(output.usage ? { usage: output.usage } : {}),
    };
  } else {
    analysis = failed(deps, result.kind);
  }
  const embedding = analysis.status === "done" ? await embedAnalysis(deps, analysis) : undefined;
  await saveWithTags(deps, record, analysis, embedding);
  return analysis;
}

/** What of an analysis is embedded: its description, the text read from the image, and its tags. */
export function embeddingText(analysis: ImageAnalysis): string {
  return [analysis.description, analysis.text, analysis.tags.join(", ")]
    .filter((part): part is string => typeof part === "string" && part.trim() !== "")
    .join("\n");
}

/**
 * The embedding of a done analysis' text, in one provider call, bounded by the deadline; `undefined`
 * when there is no provider, no text or no time, or when the provider fails. Never throws: search works
 * without an embedding (text only), so its failure must not cost the analysis. The failure is logged.
 */
export async function embedAnalysis(
  deps: Pick<AnalyzeDeps, "embeddings" | "deadline" | "log">,
  analysis: ImageAnalysis,
): Promise<ImageRecord["embedding"]> {
  const { embeddings } = deps;
  const text = embeddingText(analysis);
  if (!embeddings || !text) return undefined;
  const left = deps.deadline === undefined ? undefined : deps.deadline - ANALYSIS_RESERVE_MS - Date.now();
  if (left !== undefined && left <= 0) {
    deps.log?.("embedding skipped: no time left", { model: embeddings.model });
    return undefined;
  }
  try {
    const signal = left === undefined ? undefined : AbortSignal.timeout(left);
    const [vector] = await embeddings.embed([text], signal);
    if (!vector || vector.length !== embeddings.dimensions || !vector.every(Number.isFinite)) {
      deps.log?.("embedding failed: unusable vector", { model: embeddings.model, length: vector?.length });
      return undefined;
    }
    return { model: embeddings.model, vector };
  } catch (error) {
    deps.log?.("embedding failed", { model: embeddings.model, error });
    return undefined;
  }
}

/** Ends an analysis that cannot be run (interrupted too often) as `failed`. */
export async function failAnalysis(
  deps: Pick<AnalyzeDeps, "images" | "clock" | "provider">,
  record: ImageRecord,
  kind: keyof typeof ANALYSIS_ERRORS,
): Promise<ImageAnalysis> {
  const analysis = failed(deps, kind);
  await saveWithTags(deps, record, analysis);
  return analysis;
}

/** Which provider (and model) an analysis came from. */
function providerOf({ provider }: Pick<AnalyzeDeps, "provider">): Pick<ImageAnalysis, "provider" | "model"> {
  return { provider: provider.name, ...(provider.model ? { model: provider.model } : {}) };
}

/** A failed analysis of `kind`, with its fixed code and message. */
function failed(deps: Pick<AnalyzeDeps, "provider">, kind: keyof typeof ANALYSIS_ERRORS): ImageAnalysis {
  return { status: "failed", ...providerOf(deps), tags: [], error: ANALYSIS_ERRORS[kind] };
}

async function saveWithTags(
  deps: Pick<AnalyzeDeps, "images" | "clock">,
  record: ImageRecord,
  analysis: ImageAnalysis,
  embedding?: ImageRecord["embedding"],
): Promise<void> {
  // A user may change tags meanwhile: read again and merge once more rather than overwrite them.
  let current = record;
  for (let attempt = 0; ; attempt++) {
    const tags = mergeTags(current.tags, analysis.tags);
    try {
      await deps.images.saveAnalysis(current, deps.clock.now().toISOString(), analysis, tags, embedding);
      return;
    } catch (error) {
      const fresh = attempt < 2 ? await deps.images.get(record.id) : undefined;
      if (!fresh || !(error instanceof ConflictError)) throw error;
      current = fresh;
    }
  }
}
