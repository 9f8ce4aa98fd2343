/** GET /images: the caller's images from the user or tag index, with an opaque signed cursor. */
import { listImages, listImagesQuery, systemClock } from "@picstack/core";
import { cursorCodec, imageRepository, objectStore } from "../wiring.js";
import { http, json, parseQuery } from "./middleware.js";

export const handler = http({ auth: true }, async ({ event, userId }) => {
  const query = parseQuery(event, listImagesQuery);
  const deps = {
    images: imageRepository(),
    objects: objectStore(),
    clock: systemClock,
    cursors: await cursorCodec(),
  };
  return json(200, await listImages(deps, userId, query));
});
