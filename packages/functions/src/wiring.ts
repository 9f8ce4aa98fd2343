/**
 * SDK clients and adapters, built once per cold start and shared by the handlers in one bundle.
 * Each getter builds on first use so a bundle only creates what its handler needs.
 */

import {
  createDocumentClient,
  createJwtVerifier,
  createPresignS3Client,
  createS3Client,
  DynamoImageRepository,
  DynamoRateLimitStore,
  S3ObjectStore,
  type TokenVerifier,
} from "@picstack/adapters";
import {
  type Clock,
  CursorCodec,
  type EmbeddingProvider,
  type ImageRepository,
  type ObjectStore,
  type RateLimitStore,
  systemClock,
} from "@picstack/core";
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
