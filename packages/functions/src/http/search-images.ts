/** POST /images/search: the caller's images ranked by text (and embeddings), with a signed cursor. */
import { QueryEmbeddings, searchImages, searchImagesInput } from "@picstack/core";
import { searchIndex } from "@picstack/infrastructure";
import {
  cursorCodec,
  embeddingProvider,
  imageDeps,
  requestSearchCompaction,
  searchIndexStore,
} from "../wiring.js";
import { logger } from "./logger.js";
import { authenticate } from "./middleware/auth.js";
import { jsonBody } from "./middleware/json-body.js";
import { rateLimit } from "./middleware/rate-limit.js";
import { api } from "./pipeline.js";
import { json } from "./response.js";

let embeddings: QueryEmbeddings | undefined;

/** Query embeddings through a per-container cache, or `undefined` without an embedding provider. */
async function queryEmbeddings(): Promise<QueryEmbeddings | undefined> {
  const provider = await embeddingProvider();
  if (provider && embeddings?.provider !== provider) {
    embeddings = new QueryEmbeddings(provider, searchIndex.embeddingCache);
  }
  return provider ? embeddings : undefined;
}

export const handler = api()
  .use(authenticate())
  .use(rateLimit("read"))
  .use(jsonBody(searchImagesInput))
  .handler(async (event, context) => {
    const embeddings = await queryEmbeddings();
    const deps = {
      ...imageDeps(),
      indexes: searchIndexStore(),
      cursors: await cursorCodec(),
      ...(embeddings ? { embeddings } : {}),
      requestCompaction: requestSearchCompaction,
      compactAbove: searchIndex.requestCompactionAbove,
      warn: (message: string, detail: Record<string, unknown>) => logger.warn(message, detail),
    };
    return json(200, await searchImages(deps, context.userId, event.body));
  });
