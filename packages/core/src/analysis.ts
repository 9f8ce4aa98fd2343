/**
 * Image analysis behind a provider interface: an AI vision model, or the offline `basic` provider.
 * A provider failure never fails the image: the image stays `ready` and `analysis.status` says `failed`.
 */
import type { ImageAnalysis, ImageRecord } from "./image.js";
import type { Clock, ImageRepository } from "./ports.js";

export const MAX_ANALYSIS_TAGS = 10;
export const MAX_DESCRIPTION_LENGTH = 300;

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

export interface AnalysisProvider {
  readonly name: string;
  readonly model?: string;
  /** `preview` is the WebP preview thumbnail, never the original. */
  analyze(preview: Uint8Array, features: ImageFeatures): Promise<AnalysisOutput>;
}

/** Lower-cased, trimmed, de-duplicated, 1–50 characters, at most ten. */
export function cleanAnalysisTags(tags: ReadonlyArray<string>): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim().toLowerCase().replace(/\s+/g, " ");
    if (tag.length >= 1 && tag.length <= 50 && !out.includes(tag)) out.push(tag);
    if (out.length === MAX_ANALYSIS_TAGS) break;
  }
  return out;
}

export interface AnalyzeDeps {
  images: ImageRepository;
  provider: AnalysisProvider;
  clock: Clock;
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
  const { provider } = deps;
  const base = { provider: provider.name, ...(provider.model ? { model: provider.model } : {}) };
  let analysis: ImageAnalysis;
  try {
    const output = await provider.analyze(preview, features);
    analysis = {
      status: "done",
      ...base,
      tags: cleanAnalysisTags(output.tags),
      ...(output.description ? { description: output.description.slice(0, MAX_DESCRIPTION_LENGTH) } : {}),
      ...(output.text ? { text: output.text } : {}),
      ...(output.usage ? { usage: output.usage } : {}),
    };
  } catch (error) {
    analysis = {
      status: "failed",
      ...base,
      tags: [],
      error: {
        code: "analysis_failed",
        message: error instanceof Error ? error.message.slice(0, 300) : "failed",
      },
    };
  }
  // A user may change tags meanwhile: read again and merge once more rather than overwrite them.
  let current = record;
  for (let attempt = 0; ; attempt++) {
    const tags = [...current.tags, ...analysis.tags.filter((t) => !current.tags.includes(t))];
    try {
      await deps.images.saveAnalysis(current, deps.clock.now().toISOString(), analysis, tags);
      return analysis;
    } catch (error) {
      const fresh = attempt < 2 ? await deps.images.get(record.id) : undefined;
      if (!fresh || (error as Error).name !== "ConflictError") throw error;
      current = fresh;
    }
  }
}
