import type { ApiResult } from "./types.js";

/** A JSON answer; `undefined` gives an empty body (for 204). */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", ...headers },
    body: body === undefined ? "" : JSON.stringify(body),
  };
}
