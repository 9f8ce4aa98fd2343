/** POST /images/{id}/restore: undo a delete within the retention period. */
import { restoreImage } from "@picstack/core";
import { config } from "../config.js";
import { imageDeps } from "../wiring.js";
import { http, imageIdParam, json } from "./middleware.js";

export const handler = http({ auth: true, rateLimit: "write" }, async ({ userId, pathParameters }) => {
  const deps = { ...imageDeps(), retentionDays: config().retentionDays };
  return json(200, await restoreImage(deps, userId, imageIdParam(pathParameters)));
});
