/** GET /images: the caller's images from the user, status or tag index, with an opaque signed cursor. */
import { listImages, listImagesQuery } from "@picstack/core";
import { cursorCodec, imageDeps } from "../wiring.js";
import { logger } from "./logger.js";
import { authenticate } from "./middleware/auth.js";
import { rateLimit } from "./middleware/rate-limit.js";
import { api } from "./pipeline.js";
import { parseQuery } from "./request.js";
import { json } from "./response.js";

// Read the cursor secret during the cold start; if that fails, the first request reads it again.
await cursorCodec().catch((error: Error) => logger.warn("cursor secret not read at cold start", error));

export const handler = api()
  .use(authenticate())
  .use(rateLimit("read"))
  .handler(async (event, context) => {
    const query = parseQuery(event, listImagesQuery);
    const deps = { ...imageDeps(), cursors: await cursorCodec() };
    const { page, stats } = await listImages(deps, context.userId, query);
    // What each page cost in DynamoDB: the read budget shows (and is checked) in these lines.
    logger.info("list read", {
      list: { ...stats, items: page.items.length, more: page.nextCursor !== null },
    });
    if (stats?.foreign) logger.warn("list skipped entries of another user", { foreign: stats.foreign });
    return json(200, page);
  });
