import type { MiddlewareObj } from "@middy/core";
import { InvalidTokenError } from "@picstack/adapters";
import { tokenVerifier } from "../../wiring.js";
import { HttpError } from "../errors.js";
import { logger } from "../logger.js";
import type { ApiEvent, ApiResult, UserContext } from "../types.js";

/** Real tokens are well under 8 KiB; no verification work is spent on anything larger. */
const MAX_AUTHORIZATION_LENGTH = 8192;

async function userIdFrom(authorization: string | undefined): Promise<string> {
  if (authorization && authorization.length > MAX_AUTHORIZATION_LENGTH) {
    throw new HttpError(401, "unauthorized", "The bearer token is too large", {
      "WWW-Authenticate": "Bearer",
    });
  }
  const match = authorization ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim()) : null;
  if (!match?.[1]) {
    throw new HttpError(401, "unauthorized", "A bearer token is required", { "WWW-Authenticate": "Bearer" });
  }
  try {
    return (await tokenVerifier()(match[1])).userId;
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      throw new HttpError(401, "unauthorized", error.message, {
        "WWW-Authenticate": 'Bearer error="invalid_token"',
      });
    }
    // The key service being out (AuthUnavailableError) is a 503 in errors.ts, not the caller's fault.
    throw error;
  }
}

/**
 * A valid bearer token is required; its `sub` becomes `context.userId` and the log lines' `userId`.
 * Needs header names in lower case (`httpHeaderNormalizer`, attached by `api()`).
 */
export function authenticate(): MiddlewareObj<ApiEvent, ApiResult, Error, UserContext> {
  return {
    before: async (request) => {
      const userId = await userIdFrom(request.event.headers?.authorization);
      request.context.userId = userId;
      logger.appendKeys({ userId });
    },
  };
}
