/** POST /images/{id}/restore: undo a delete within the retention period. */
import { restoreImage, systemClock } from "@picstack/core";
import { config } from "../config.js";
import { imageRepository, objectStore } from "../wiring.js";
import { http, imageIdParam, json } from "./middleware.js";

export const handler = http({ auth: true }, async ({ userId, pathParameters }) => {
  const deps = {
    images: imageRepository(),
    objects: objectStore(),
    clock: systemClock,
    retentionDays: config().retentionDays,
  };
  return json(200, await restoreImage(deps, userId, imageIdParam(pathParameters)));
});
