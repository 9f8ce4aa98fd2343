/**
 * Text embeddings with the official openai SDK against any OpenAI-compatible server, with the analysis
 * provider's client settings (key, `OPENAI_BASE_URL`, timeout, retries). Vectors come back at the
 * configured length (the `dimensions` parameter) and are scaled to unit length here, so cosine
 * similarity is a dot product whatever the server does.
 *
 * Failures are thrown as `EmbeddingFailure` with a fixed message; the SDK's error (which can quote the
 * API key) is its `cause`, for the log only.
 */
import type { EmbeddingProvider } from "@picstack/core";
import OpenAI from "openai";

export const DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small";
export const DEFAULT_EMBEDDING_DIMENSIONS = 256;
/** `text-embedding-3-large`'s full length; the small model's is 1536. */
export const MAX_EMBEDDING_DIMENSIONS = 3072;

export interface OpenAiEmbeddingOptions {
  apiKey: string;
  model: string;
  dimensions: number;
  /** An OpenAI-compatible endpoint; the SDK's default (OpenAI) when absent. */
  baseURL?: string;
  timeoutMs: number;
  maxRetries: number;
}

export class EmbeddingFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EmbeddingFailure";
  }
}

/** `vector` scaled to length 1; `undefined` for a zero or non-finite vector, which has no direction. */
export function unitVector(vector: ReadonlyArray<number>): number[] | undefined {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm) || norm === 0) return undefined;
  return vector.map((value) => value / norm);
}

export class OpenAiEmbeddingProvider implements EmbeddingProvider {
  readonly model: string;
  readonly dimensions: number;
  private readonly client: OpenAI;

  constructor(options: OpenAiEmbeddingOptions) {
    if (
      !Number.isInteger(options.dimensions) ||
      options.dimensions < 1 ||
      options.dimensions > MAX_EMBEDDING_DIMENSIONS
    ) {
      throw new Error(`Embedding dimensions must be an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS}`);
    }
    this.model = options.model;
    this.dimensions = options.dimensions;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
    });
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    let response: OpenAI.Embeddings.CreateEmbeddingResponse;
    try {
      response = await this.client.embeddings.create(
        // Floats, not the SDK's default base64: OpenAI-compatible servers do not all speak base64.
        { model: this.model, input: texts, dimensions: this.dimensions, encoding_format: "float" },
        signal ? { signal } : undefined,
      );
    } catch (error) {
      throw new EmbeddingFailure("The embedding provider failed", { cause: error });
    }
    // Answers carry their input's index; a server may list them in any order.
    const vectors: Array<number[] | undefined> = new Array(texts.length);
    for (const item of response.data ?? []) {
      if (!Number.isInteger(item.index) || item.index < 0 || item.index >= texts.length) continue;
      const embedding = item.embedding as unknown;
      if (!Array.isArray(embedding) || embedding.length !== this.dimensions) continue;
      vectors[item.index] = unitVector(embedding.map(Number));
    }
    const all = Array.from(vectors);
    if (!all.every((v): v is number[] => v !== undefined)) {
      throw new EmbeddingFailure(
        `The embedding provider's answer did not hold ${texts.length} vectors of ${this.dimensions} dimensions`,
      );
    }
    return all;
  }
}
