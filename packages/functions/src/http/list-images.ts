/** GET /images: the caller's images from the user or tag index, with an opaque signed cursor. */
import { listImages, listImagesQuery } from "@picstack/core";
import { cursorCodec, imageDeps } from "../wiring.js";
import { http, json, parseQuery } from "./middleware.js";

export const handler = http({ auth: true }, async ({ event, userId }) => {
  const query = parseQuery(event, listImagesQuery);
  return json(200, await listImages({ ...imageDeps(), cursors: await cursorCodec() }, userId, query));
});
