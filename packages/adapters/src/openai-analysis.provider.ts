/**
 * AI analysis with the official openai SDK against any OpenAI-compatible server (OpenAI itself, or a
 * self-hosted vision model behind the same API). Sends the WebP preview thumbnail, never the original,
 * and asks for structured output that is validated again with zod on the way back.
 *
 * Retries: the SDK retries 408, 409, 429, 5xx and timeouts with exponential backoff and jitter
 * (`maxRetries`), honouring `Retry-After`. Every attempt, and the retries together, end by the
 * caller's deadline: each attempt's timeout is what is left of it, and the caller's signal stops the rest.
 *
 * Failures are thrown as `AnalysisFailure` by kind; the SDK's message (which can quote the API key,
 * masked or not) goes into `cause` for the log only.
 */
import {
  AnalysisFailure,
  type AnalysisOutput,
  type AnalysisProvider,
  type AnalyzeOptions,
  type ImageFeatures,
} from "@picstack/core";
import OpenAI, { APIConnectionTimeoutError, APIUserAbortError } from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import * as z from "zod";

export const analysisSchema = z.object({
  description: z.string().describe("One sentence on what the image shows, at most 200 characters"),
  tags: z.array(z.string()).describe("Up to 8 short, lower-case tags for search"),
  text: z.string().describe("Text visible in the image, or an empty string"),
});

/**
 * The answer's length bound: a sentence, eight tags and a little text fit in about 150 tokens; this
 * leaves room for longer visible text while a runaway answer costs at most this much.
 */
export const DEFAULT_MAX_COMPLETION_TOKENS = 600;
/** Below this much time left an attempt cannot succeed; it is not started. */
const MIN_ATTEMPT_MS = 1000;

export interface OpenAiProviderOptions {
  apiKey: string;
  model: string;
  /** An OpenAI-compatible endpoint; the SDK's default (OpenAI) when absent. */
  baseURL?: string;
  /** Longest single attempt; an attempt also ends at the caller's deadline. */
  timeoutMs: number;
  maxRetries: number;
  maxCompletionTokens?: number;
  /** Turns the preview into the image sent to the model (a smaller rendition costs fewer tokens). */
  prepareImage?: (preview: Uint8Array) => Promise<Uint8Array>;
}

export const DEFAULT_OPENAI_MODEL = "gpt-4.1-mini";

const PROMPT =
  "Describe this image for a photo library. Give a one-sentence description (at most 200 characters), up " +
  "to 8 lower-case search tags (objects, scene, colours, mood), and any clearly readable text (empty if none).";

export class OpenAiAnalysisProvider implements AnalysisProvider {
  readonly name = "openai";
  readonly model: string;
  private readonly client: OpenAI;
  private readonly prepareImage: ((preview: Uint8Array) => Promise<Uint8Array>) | undefined;
  private readonly timeoutMs: number;
  private readonly maxCompletionTokens: number;

  constructor(options: OpenAiProviderOptions) {
    this.model = options.model;
    this.prepareImage = options.prepareImage;
    this.timeoutMs = options.timeoutMs;
    this.maxCompletionTokens = options.maxCompletionTokens ?? DEFAULT_MAX_COMPLETION_TOKENS;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
    });
  }

  async analyze(
    preview: Uint8Array,
    _features: ImageFeatures,
    options: AnalyzeOptions = {},
  ): Promise<AnalysisOutput> {
    const left = options.deadline === undefined ? this.timeoutMs : options.deadline - Date.now();
    if (left < MIN_ATTEMPT_MS) throw new AnalysisFailure("timeout", "No time was left for the analysis");
    const image = this.prepareImage ? await this.prepareImage(preview) : preview;
    const dataUrl = `data:image/webp;base64,${Buffer.from(image).toString("base64")}`;
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(
        {
          model: this.model,
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: PROMPT },
                { type: "image_url", image_url: { url: dataUrl, detail: "low" } },
              ],
            },
          ],
          response_format: zodResponseFormat(analysisSchema, "image_analysis"),
          max_completion_tokens: this.maxCompletionTokens,
        },
        {
          timeout: Math.min(this.timeoutMs, left),
          signal: options.signal
            ? AbortSignal.any([options.signal, AbortSignal.timeout(left)])
            : AbortSignal.timeout(left),
        },
      );
    } catch (error) {
      if (error instanceof APIUserAbortError || error instanceof APIConnectionTimeoutError) {
        throw new AnalysisFailure("timeout", "The provider did not answer in time", { cause: error });
      }
      throw new AnalysisFailure("provider_error", "The provider answered with an error", { cause: error });
    }
    const choice = completion.choices[0];
    const content = choice?.message?.content;
    if (!content) throw new AnalysisFailure("invalid_output", "The model returned no content");
    let parsed: z.infer<typeof analysisSchema>;
    try {
      parsed = analysisSchema.parse(JSON.parse(content));
    } catch (error) {
      // Includes an answer cut off at max_completion_tokens (finish_reason "length"): not valid JSON.
      throw new AnalysisFailure("invalid_output", "The model's answer did not match the analysis schema", {
        cause: { finishReason: choice?.finish_reason, error },
      });
    }
    return {
      description: parsed.description,
      tags: parsed.tags,
      ...(parsed.text.trim() ? { text: parsed.text.trim() } : {}),
      ...(completion.usage
        ? {
            usage: {
              inputTokens: completion.usage.prompt_tokens,
              outputTokens: completion.usage.completion_tokens,
            },
          }
        : {}),
    };
  }
}
