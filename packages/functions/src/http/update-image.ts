/** PATCH /images/{id}: change the note and/or the tags. */
import { updateImage, updateImageInput } from "@picstack/core";
import { imageDeps } from "../wiring.js";
import { authenticate } from "./middleware/auth.js";
import { jsonBody } from "./middleware/json-body.js";
import { rateLimit } from "./middleware/rate-limit.js";
import { api } from "./pipeline.js";
import { imageIdParam } from "./request.js";
import { json } from "./response.js";

export const handler = api()
  .use(authenticate())
  .use(rateLimit("write"))
  .use(jsonBody(updateImageInput))
  .handler(async (event, context) =>
    json(200, await updateImage(imageDeps(), context.userId, imageIdParam(event), event.body)),
  );
