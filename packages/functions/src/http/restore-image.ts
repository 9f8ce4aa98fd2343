/** POST /images/{id}/restore: undo a delete within the retention period. */
import { restoreImage } from "@picstack/core";
import { config } from "../config.js";
import { imageDeps } from "../wiring.js";
import { authenticate } from "./middleware/auth.js";
import { rateLimit } from "./middleware/rate-limit.js";
import { api } from "./pipeline.js";
import { imageIdParam } from "./request.js";
import { json } from "./response.js";

export const handler = api()
  .use(authenticate())
  .use(rateLimit("write"))
  .handler(async (event, context) => {
    const deps = { ...imageDeps(), retentionDays: config().retentionDays };
    return json(200, await restoreImage(deps, context.userId, imageIdParam(event)));
  });
