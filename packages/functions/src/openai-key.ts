/**
 * The OpenAI API key, shared by the analysis provider and the embedding provider: locally
 * OPENAI_API_KEY itself, in AWS its Secrets Manager secret (`{"apiKey": "..."}`, read through
 * secrets.ts, so a failed read is not kept and a rotated key arrives within its max age).
 */
import type { Config } from "./config.js";
import { readSecret } from "./secrets.js";

export async function openAiKey(openAi: Config["analysis"]["openAi"]): Promise<string | undefined> {
  if (openAi.apiKey) return openAi.apiKey;
  if (!openAi.keySecretArn) return undefined;
  const secret = await readSecret(openAi.keySecretArn);
  try {
    const key = (JSON.parse(secret) as { apiKey?: unknown }).apiKey;
    return typeof key === "string" && key.trim() ? key.trim() : undefined;
  } catch {
    throw new Error('The OpenAI key secret must be JSON: {"apiKey": "..."}');
  }
}
