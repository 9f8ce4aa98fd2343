/**
 * Chooses the analysis provider once per cold start: `openai` when an API key is configured (locally from
 * OPENAI_API_KEY, in AWS from its Secrets Manager secret), the offline `basic` provider otherwise.
 */
import { OpenAiAnalysisProvider } from "@picstack/adapters";
import { BasicAnalysisProvider, SharpImageProcessor } from "@picstack/adapters/sharp";
import type { AnalysisProvider } from "@picstack/core";
import type { Config } from "../config.js";
import { readSecret } from "../secrets.js";

async function apiKey(openAi: Config["analysis"]["openAi"]): Promise<string | undefined> {
  if (openAi.apiKey) return openAi.apiKey;
  if (!openAi.keySecretArn) return undefined;
  // Read through Powertools (secrets.ts): a failed read is not kept, so a later call reads again.
  const secret = await readSecret(openAi.keySecretArn);
  try {
    const key = (JSON.parse(secret) as { apiKey?: unknown }).apiKey;
    return typeof key === "string" && key.trim() ? key.trim() : undefined;
  } catch {
    throw new Error('The OpenAI key secret must be JSON: {"apiKey": "..."}');
  }
}

export async function chooseProvider(config: Config["analysis"]): Promise<AnalysisProvider> {
  if (config.provider === "basic") return new BasicAnalysisProvider();
  const key = await apiKey(config.openAi);
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
