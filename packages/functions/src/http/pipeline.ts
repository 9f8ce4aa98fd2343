/**
 * The middleware chain every HTTP handler runs through, in middy's style: each concern is a small named
 * factory in `middleware/`, attached in order with the handler last, so the event and context types
 * gather what each middleware adds (`event.body` from `jsonBody`, `context.userId` from `authenticate`).
 *
 * `api()` attaches what every route shares; middy runs `before` in that order and `after`/`onError` in
 * the reverse one:
 * 1. `injectLambdaContext` (Powertools): the Lambda context on each log line, keys reset after each request.
 * 2. `requestLog`: the request id and route on each log line, and one line per answered request.
 * 3. `httpHeaderNormalizer` (@middy): header names in lower case, whatever case the client sent.
 * 4. `cors`: the web origin's CORS headers on every answer, error answers included, because
 * 5. `errorResponses` turns any error into the contract's JSON answer before `cors` sees it.
 *
 * A route then adds, in this order, `authenticate()` and `rateLimit(class)` (every route but health and
 * the API document) and `jsonBody(schema)` (routes with a body): an anonymous caller costs no bucket
 * write, and only a caller with a token to spend gets a body parsed.
 *
 * @example
 * export const handler = api()
 *   .use(authenticate())
 *   .use(rateLimit("write"))
 *   .use(jsonBody(createImageInput))
 *   .handler(async (event, context) => json(201, await createUpload(deps, context.userId, event.body)));
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import httpHeaderNormalizer from "@middy/http-header-normalizer";
import { config } from "../config.js";
import { logger } from "./logger.js";
import { cors } from "./middleware/cors.js";
import { errorResponses } from "./middleware/error-responses.js";
import { requestLog } from "./middleware/request-log.js";
import type { ApiEvent, ApiResult } from "./types.js";

export type { ApiEvent, ApiResult, UserContext } from "./types.js";

/** A middy handler with the shared middleware attached; attach the route's own, then `.handler(...)`. */
export function api() {
  // Fail the cold start, not the first request, when configuration is missing.
  config();
  return middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(requestLog())
    .use(httpHeaderNormalizer())
    .use(cors())
    .use(errorResponses());
}
