/** Deploy-time settings shared by the stacks. */
import type { App } from "sst/constructs";

/** The web client's origin: the only origin the bucket and the API allow by CORS. */
export function webOrigin(): string {
  return process.env.PICSTACK_WEB_ORIGIN ?? "http://localhost:5173";
}

/** Data outlives a `sst remove` of the production stage only; other stages clean up after themselves. */
export function isProduction(app: App): boolean {
  return app.stage === "prod" || app.stage === "production";
}
