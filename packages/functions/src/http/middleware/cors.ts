import httpCors from "@middy/http-cors";
import { cors as corsPolicy } from "@picstack/infrastructure";
import { config } from "../../config.js";

/**
 * CORS headers for the one configured web origin on every answer (@middy/http-cors). The allowed
 * origin is fixed, never the request's `Origin` reflected back, so another site's page cannot read
 * the answers. API Gateway answers preflight requests itself (stacks/Api.ts, which sends the same
 * `Access-Control-Allow-Origin` and `Vary` on its own error answers), so the middleware's preflight
 * answer stays off (its default). `Retry-After` is exposed so a page can wait as a 429 says.
 */
export function cors() {
  return httpCors({
    origin: config().webOrigin,
    vary: "Origin",
    credentials: corsPolicy.api.allowCredentials,
    exposeHeaders: corsPolicy.api.exposeHeaders.join(", "),
  });
}
