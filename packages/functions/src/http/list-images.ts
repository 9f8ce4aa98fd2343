/** GET /images: the caller's images from the user or tag index, with an opaque signed cursor. */
import { listImages, listImagesQuery } from "@picstack/core";
import { cursorCodec, imageDeps } from "../wiring.js";
import { http, json, logger, parseQuery } from "./middleware.js";

// Read the cursor secret during the cold start; if that fails, the first request reads it again.
await cursorCodec().catch((error: Error) => logger.warn("cursor secret not read at cold start", error));

export const handler = http({ auth: true, rateLimit: "read" }, async ({ event, userId }) => {
  const query = parseQuery(event, listImagesQuery);
  return json(200, await listImages({ ...imageDeps(), cursors: await cursorCodec() }, userId, query));
});
