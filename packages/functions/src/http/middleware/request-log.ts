import type { MiddlewareObj } from "@middy/core";
import { logger } from "../logger.js";
import type { ApiEvent, ApiResult } from "../types.js";

/** Adds the request id and route to each log line of the request, and logs each answer's status. */
export function requestLog(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: (request) => {
      logger.appendKeys({
        requestId: request.event.requestContext?.requestId,
        route: `${request.event.httpMethod} ${request.event.resource}`,
      });
    },
    // Error answers are logged by errorResponses, which knows why the request failed.
    after: (request) => {
      logger.info("request done", { statusCode: request.response?.statusCode });
    },
  };
}
