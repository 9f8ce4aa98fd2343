/** DELETE /images/{id}: soft delete; gone from list and get at once, restorable until purged. */
import { deleteImage } from "@picstack/core";
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
    await deleteImage(imageDeps(), context.userId, imageIdParam(event));
    return json(204, undefined);
  });
