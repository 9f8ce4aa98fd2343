/** POST /images/search: the caller's images ranked by text (and embeddings), with a signed cursor. */
import { QueryEmbeddings, searchImages, searchImagesInput } from "@picstack/core";
import { searchIndex } from "@picstack/infrastructure";
import { cursorCodec, embeddingProvider, imageDeps, searchIndexQueue, searchIndexStore } from "../wiring.js";
import { logger } from "./logger.js";
import { authenticate } from "./middleware/auth.js";
import { jsonBody } from "./middleware/json-body.js";
import { rateLimit } from "./middleware/rate-limit.js";
import { api } from "./pipeline.js";
import { json } from "./response.js";

const provider = embeddingProvider();
const embeddings = provider ? new QueryEmbeddings(provider, searchIndex.embeddingCache) : undefined;

export const handler = api()
  .use(authenticate())
  .use(rateLimit("read"))
  .use(jsonBody(searchImagesInput))
  .handler(async (event, context) => {
    const deps = {
      ...imageDeps(),
      indexes: searchIndexStore(),
      cursors: await cursorCodec(),
      ...(embeddings ? { embeddings } : {}),
      requestCompaction: (userId: string) => searchIndexQueue().requestCompaction(userId),
      compactAbove: searchIndex.requestCompactionAbove,
      warn: (message: string, detail: Record<string, unknown>) => logger.warn(message, detail),
    };
    return json(200, await searchImages(deps, context.userId, event.body));
  });
