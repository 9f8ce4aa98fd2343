/**
 * Where the API is and how to sign in. A deployed build carries VITE_PICSTACK_* values (SST fills them
 * in); the local run serves /config.json instead.
 */
import { DEFAULT_MAX_UPLOAD_BYTES } from "@picstack/sdk";

export type AuthConfig =
  | { kind: "dev"; tokenUrl: string }
  | { kind: "cognito"; domain: string; clientId: string };

export interface WebConfig {
  apiUrl: string;
  maxUploadBytes: number;
  auth: AuthConfig;
}

export async function loadConfig(): Promise<WebConfig> {
  const env = import.meta.env;
  if (env.VITE_PICSTACK_API_URL) {
    return {
      apiUrl: env.VITE_PICSTACK_API_URL,
      maxUploadBytes: Number(env.VITE_PICSTACK_MAX_UPLOAD_BYTES) || DEFAULT_MAX_UPLOAD_BYTES,
      auth: {
        kind: "cognito",
        domain: String(env.VITE_PICSTACK_COGNITO_DOMAIN ?? ""),
        clientId: String(env.VITE_PICSTACK_COGNITO_CLIENT_ID ?? ""),
      },
    };
  }
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`Could not load /config.json (HTTP ${response.status})`);
  return (await response.json()) as WebConfig;
}
