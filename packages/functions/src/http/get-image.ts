/** GET /images/{id}: one of the caller's images, with presigned URLs. */
import { getImage } from "@picstack/core";
import { imageRepository, objectStore } from "../wiring.js";
import { authenticate } from "./middleware/auth.js";
import { rateLimit } from "./middleware/rate-limit.js";
import { api } from "./pipeline.js";
import { imageIdParam } from "./request.js";
import { json } from "./response.js";

export const handler = api()
  .use(authenticate())
  .use(rateLimit("read"))
  .handler(async (event, context) => {
    const id = imageIdParam(event);
    const deps = { images: imageRepository(), objects: objectStore() };
    return json(200, await getImage(deps, context.userId, id));
  });
