/**
 * AI analysis with the official openai SDK against any OpenAI-compatible server (OpenAI itself, or a
 * self-hosted vision model behind the same API). Sends the WebP preview thumbnail, never the original,
 * and asks for structured output that is validated again with zod on the way back.
 *
 * Retries: the SDK retries 408, 409, 429, 5xx and timeouts with exponential backoff and jitter
 * (`maxRetries`), honouring `Retry-After`.
 */
import type { AnalysisOutput, AnalysisProvider, ImageFeatures } from "@picstack/core";
import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import * as z from "zod";

export const analysisSchema = z.object({
  description: z.string().describe("One sentence on what the image shows, at most 200 characters"),
  tags: z.array(z.string()).describe("Up to 8 short, lower-case tags for search"),
  text: z.string().describe("Text visible in the image, or an empty string"),
});

export interface OpenAiProviderOptions {
  apiKey: string;
  model: string;
  /** An OpenAI-compatible endpoint; the SDK's default (OpenAI) when absent. */
  baseURL?: string;
  timeoutMs: number;
  maxRetries: number;
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

  constructor(options: OpenAiProviderOptions) {
    this.model = options.model;
    this.prepareImage = options.prepareImage;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
    });
  }

  async analyze(preview: Uint8Array, _features: ImageFeatures): Promise<AnalysisOutput> {
    const image = this.prepareImage ? await this.prepareImage(preview) : preview;
    const dataUrl = `data:image/webp;base64,${Buffer.from(image).toString("base64")}`;
    const completion = await this.client.chat.completions.create({
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
    });
    const content = completion.choices[0]?.message?.content;
    if (!content) throw new Error("The model returned no content");
    let parsed: z.infer<typeof analysisSchema>;
    try {
      parsed = analysisSchema.parse(JSON.parse(content));
    } catch {
      throw new Error("The model's answer did not match the analysis schema");
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
