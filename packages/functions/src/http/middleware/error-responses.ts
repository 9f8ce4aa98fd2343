import type { MiddlewareObj } from "@middy/core";
import { toHttpError } from "../errors.js";
import { logger } from "../logger.js";
import { json } from "../response.js";
import type { ApiEvent, ApiResult } from "../types.js";

/**
 * Any error as the contract's JSON answer, `{ "error": { "code", "message" } }` with the status from
 * the table in errors.ts. Not @middy/http-error-handler: it answers with the bare message as text and
 * knows only errors that carry a `statusCode`, while domain errors carry a code and no status (the
 * core never speaks HTTP). A 5xx is logged with the error, on a line that carries the request id; its
 * answer says nothing about the cause.
 */
export function errorResponses(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: (request) => {
      const { statusCode, headers, body } = toHttpError(request.error);
      if (statusCode >= 500) {
        const error = request.error;
        if (error instanceof Error) logger.error("request failed", error);
        else logger.error("request failed", { thrown: String(error) });
      } else {
        logger.info("request refused", { statusCode, code: body.error.code });
      }
      request.response = json(statusCode, body, headers);
    },
  };
}
