/**
 * Chooses the analysis provider once per cold start: `openai` when an API key is configured (locally from
 * OPENAI_API_KEY, in AWS from its Secrets Manager secret), the offline `basic` provider otherwise.
 */
import { OpenAiAnalysisProvider } from "@picstack/adapters";
import { BasicAnalysisProvider, SharpImageProcessor } from "@picstack/adapters/sharp";
import type { AnalysisProvider } from "@picstack/core";
import type { Config } from "../config.js";
import { openAiKey } from "../openai-key.js";

export async function chooseProvider(config: Config["analysis"]): Promise<AnalysisProvider> {
  if (config.provider === "basic") return new BasicAnalysisProvider();
  const key = await openAiKey(config.openAi);
  if (!key) {
    if (config.provider === "openai")
      throw new Error("The openai provider is selected but no API key is configured");
    return new BasicAnalysisProvider();
  }
  return new OpenAiAnalysisProvider({
    apiKey: key,
    model: config.openAi.model,
    timeoutMs: config.openAi.timeoutMs,
    maxRetries: 3,
    // A 512 px rendition of the preview: about a quarter of the preview's image tokens.
    prepareImage: (preview) => new SharpImageProcessor().analysisRendition(preview),
    ...(config.openAi.baseURL ? { baseURL: config.openAi.baseURL } : {}),
  });
}
