/** GET /images/{id}/similar: the caller's images most like one of theirs. */
import { similarImages, similarImagesQuery } from "@picstack/core";
import { searchIndex } from "@picstack/infrastructure";
import { imageDeps, requestSearchCompaction, searchIndexStore } from "../wiring.js";
import { logger } from "./logger.js";
import { authenticate } from "./middleware/auth.js";
import { rateLimit } from "./middleware/rate-limit.js";
import { api } from "./pipeline.js";
import { imageIdParam, parseQuery } from "./request.js";
import { json } from "./response.js";

export const handler = api()
  .use(authenticate())
  .use(rateLimit("read"))
  .handler(async (event, context) => {
    const id = imageIdParam(event);
    const query = parseQuery(event, similarImagesQuery);
    const deps = {
      ...imageDeps(),
      indexes: searchIndexStore(),
      requestCompaction: requestSearchCompaction,
      compactAbove: searchIndex.requestCompactionAbove,
      warn: (message: string, detail: Record<string, unknown>) => logger.warn(message, detail),
    };
    return json(200, await similarImages(deps, context.userId, id, query));
  });
