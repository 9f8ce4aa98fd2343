/** GET /images: the caller's images from the user, status or tag index, with an opaque signed cursor. */
import { listImages, listImagesQuery } from "@picstack/core";
import { cursorCodec, imageDeps } from "../wiring.js";
import { http, json, logger, parseQuery } from "./middleware.js";

export const handler = http({ auth: true, rateLimit: "read" }, async ({ event, userId }) => {
  const query = parseQuery(event, listImagesQuery);
  const { page, stats } = await listImages({ ...imageDeps(), cursors: await cursorCodec() }, userId, query);
  // What each page cost in DynamoDB: the read budget shows (and is checked) in these lines.
  logger.info("list read", { list: { ...stats, items: page.items.length, more: page.nextCursor !== null } });
  if (stats?.foreign) logger.warn("list skipped entries of another user", { foreign: stats.foreign });
  return json(200, page);
});
