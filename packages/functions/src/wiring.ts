/**
 * SDK clients and adapters, built once per cold start and shared by the handlers in one bundle.
 * Each getter builds on first use so a bundle only creates what its handler needs.
 */

import {
  createDocumentClient,
  createJwtVerifier,
  createPresignS3Client,
  createS3Client,
  createSqsClient,
  DynamoImageRepository,
  DynamoRateLimitStore,
  S3ObjectStore,
  SearchIndexStore,
  SqsSearchIndexQueue,
  type TokenVerifier,
} from "@picstack/adapters";
import {
  type Clock,
  CursorCodec,
  type EmbeddingProvider,
  type ImageRepository,
  type ObjectStore,
  type RateLimitStore,
  SearchIndex,
  systemClock,
} from "@picstack/core";
import { searchIndex } from "@picstack/infrastructure";
import { config } from "./config.js";
import { chooseEmbeddingProvider } from "./embeddings.js";
import { readSecret } from "./secrets.js";
import { testHooks } from "./test-hooks.js";

/** For synchronous builders only: given a promise, it would keep a rejected one for the container's life. */
function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

// Each builder hands what it built to the test hooks, which only a test stack registers (test-hooks.ts).

export const documentClient = once(() => {
  const client = createDocumentClient();
  testHooks()?.dynamoDbClient?.(client);
  return client;
});

export const s3Client = once(() => {
  const client = createS3Client(config().s3);
  testHooks()?.s3Client?.(client);
  return client;
});

export const imageRepository = once<ImageRepository>(
  () => new DynamoImageRepository(documentClient(), config().table),
);

export const objectStore = once<ObjectStore>(() => {
  const c = config();
  const store = new S3ObjectStore({
    bucket: c.bucket,
    s3: s3Client(),
    presigner: createPresignS3Client(c.s3),
    uploadTtlSeconds: c.uploadTtlSeconds,
    downloadTtlSeconds: c.downloadTtlSeconds,
  });
  return testHooks()?.objectStore?.(store) ?? store;
});

export const tokenVerifier = once<TokenVerifier>(() => createJwtVerifier(config().auth));

let codec: { secret: string; codec: CursorCodec } | undefined;

/**
 * The list-cursor codec. In AWS its secret is read from Secrets Manager (cached, see secrets.ts, so a
 * rotated secret reaches a warm container); a failed read is not kept, so the next call reads again.
 */
export async function cursorCodec(): Promise<CursorCodec> {
  const { arn, value } = config().cursorSecret;
  const secret = value ?? (arn ? await readSecret(arn) : undefined);
  if (!secret) throw new Error("No cursor secret is configured");
  if (codec?.secret !== secret) codec = { secret, codec: new CursorCodec(secret) };
  return codec.codec;
}

export const rateLimitStore = once<RateLimitStore>(
  () => new DynamoRateLimitStore(documentClient(), config().table),
);

/** Users' search indexes: snapshots in the bucket, pending changes in the table, cached per container. */
export const searchIndexStore = once(
  () =>
    new SearchIndexStore({
      db: documentClient(),
      s3: s3Client(),
      tableName: config().table,
      bucket: config().bucket,
      engines: { empty: () => SearchIndex.empty(), load: (snapshot) => SearchIndex.load(snapshot) },
      cacheDocs: searchIndex.cacheDocs,
    }),
);

/** Compaction requests, for functions allowed to send them (`searchIndex: "send"`). */
export const searchIndexQueue = once(() => {
  const url = config().searchQueueUrl;
  if (!url) throw new Error("This function has no search-index queue");
  return new SqsSearchIndexQueue(createSqsClient(), url);
});

/** A user's last fold request from this container (epoch ms); cleared when it grows past 10,000 users. */
const foldAsked = new Map<string, number>();
const FOLD_ASK_INTERVAL_MS = 30_000;

/**
 * A search that sees many pending changes asks for a fold. One message per user every 30 s is enough
 * (the compactor folds all of a user's changes at once), so the searches in between, a client paging
 * through results say, skip the SQS call on their response path.
 */
export async function requestSearchCompaction(userId: string): Promise<void> {
  const now = Date.now();
  if (now - (foldAsked.get(userId) ?? Number.NEGATIVE_INFINITY) < FOLD_ASK_INTERVAL_MS) return;
  if (foldAsked.size >= 10_000) foldAsked.clear();
  foldAsked.set(userId, now);
  await searchIndexQueue().requestCompaction(userId);
}

let embeddings: { provider: EmbeddingProvider | undefined } | undefined;

/**
 * The embedding provider for analysis text and search queries, or `undefined` when none is configured
 * (search is then text-only). Built once; a failed key read is not kept, so the next call tries again.
 */
export async function embeddingProvider(): Promise<EmbeddingProvider | undefined> {
  embeddings ??= { provider: await chooseEmbeddingProvider(config()) };
  return embeddings.provider;
}

/** What most image handlers need: the repository, the object store and the clock. */
export function imageDeps(): { images: ImageRepository; objects: ObjectStore; clock: Clock } {
  return { images: imageRepository(), objects: objectStore(), clock: systemClock };
}

// What the function's declared permissions need before its first request is read during its cold start:
// a cursor secret that cannot be read fails the start (the next invocation starts again), not requests.
if (config().permissions.cursorSecret) await cursorCodec();
