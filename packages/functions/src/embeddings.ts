/**
 * Chooses the embedding provider: `openai` when an OpenAI API key is configured (the analysis' key and
 * OPENAI_BASE_URL), none otherwise, when search ranks by text alone; PICSTACK_EMBEDDING_PROVIDER
 * chooses explicitly. No sharp here: the search handlers, which have no sharp layer, build it too.
 */
import { OpenAiEmbeddingProvider } from "@picstack/adapters";
import type { EmbeddingProvider } from "@picstack/core";
import type { Config } from "./config.js";
import { openAiKey } from "./openai-key.js";

/** The SDK's retries, as the analysis provider's; a caller's signal bounds them all. */
const MAX_RETRIES = 3;

export async function chooseEmbeddingProvider(
  config: Pick<Config, "analysis" | "embeddings">,
): Promise<EmbeddingProvider | undefined> {
  const { provider, model, dimensions } = config.embeddings;
  if (provider === "none") return undefined;
  const key = await openAiKey(config.analysis.openAi);
  if (!key) {
    if (provider === "openai")
      throw new Error("The openai embedding provider is selected but no OpenAI API key is configured");
    return undefined;
  }
  const { baseURL, timeoutMs } = config.analysis.openAi;
  return new OpenAiEmbeddingProvider({
    apiKey: key,
    model,
    dimensions,
    timeoutMs,
    maxRetries: MAX_RETRIES,
    ...(baseURL ? { baseURL } : {}),
  });
}
