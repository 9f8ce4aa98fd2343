/** POST /images: a pending image and its presigned upload. */
import { createImageInput, createUpload } from "@picstack/core";
import { config } from "../config.js";
import { imageDeps } from "../wiring.js";
import { authenticate } from "./middleware/auth.js";
import { jsonBody } from "./middleware/json-body.js";
import { rateLimit } from "./middleware/rate-limit.js";
import { api } from "./pipeline.js";
import { json } from "./response.js";

export const handler = api()
  .use(authenticate())
  .use(rateLimit("write"))
  .use(jsonBody(createImageInput))
  .handler(async (event, context) => {
    const result = await createUpload(
      { ...imageDeps(), maxUploadBytes: config().maxUploadBytes },
      context.userId,
      event.body,
    );
    return json(201, result, { Location: `/images/${result.image.id}` });
  });
