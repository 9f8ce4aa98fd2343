/** POST /images: a pending image and its presigned upload. */
import { createImageInput, createUpload, systemClock } from "@picstack/core";
import { config } from "../config.js";
import { imageRepository, objectStore } from "../wiring.js";
import { http, json } from "./middleware.js";

export const handler = http({ auth: true, body: createImageInput }, async ({ userId, body }) => {
  const result = await createUpload(
    {
      images: imageRepository(),
      objects: objectStore(),
      clock: systemClock,
      maxUploadBytes: config().maxUploadBytes,
    },
    userId,
    body,
  );
  return json(201, result, { Location: `/images/${result.image.id}` });
});
