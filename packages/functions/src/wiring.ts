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
  injectSdkFaults,
  maybeKillWorker,
  S3ObjectStore,
  slowDown,
  type TokenVerifier,
  throttled,
} from "@picstack/adapters";
import {
  type Clock,
  CursorCodec,
  type ImageRepository,
  type ObjectStore,
  type RateLimitStore,
  systemClock,
} from "@picstack/core";
import { config } from "./config.js";
import { readSecret } from "./secrets.js";

/** For synchronous builders only: given a promise, it would keep a rejected one for the container's life. */
function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

export const documentClient = once(() => {
  const client = createDocumentClient();
  const faults = config().faults;
  if (faults?.dbThrottleRate) injectSdkFaults(client, { rate: faults.dbThrottleRate, error: throttled });
  return client;
});

export const s3Client = once(() => {
  const client = createS3Client(config().s3);
  const faults = config().faults;
  if (faults?.storageReadErrorRate) {
    injectSdkFaults(client, {
      rate: faults.storageReadErrorRate,
      commands: ["GetObjectCommand"],
      error: slowDown,
    });
  }
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
  if (c.faults?.killWorkerOnOriginalBytes || c.faults?.killWorkerAlwaysOnOriginalBytes) {
    const read = store.read.bind(store);
    store.read = async (key) => {
      const result = await read(key);
      maybeKillWorker(c.faults, key, result.bytes.byteLength);
      return result;
    };
  }
  return store;
});

export const tokenVerifier = once<TokenVerifier>(() => createJwtVerifier(config().auth));

let codec: { secret: string; codec: CursorCodec } | undefined;

/**
 * The list-cursor codec. In AWS its secret is read from Secrets Manager (cached, see secrets.ts); a
 * failed read is not kept, so the next request reads again.
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

/** What most image handlers need: the repository, the object store and the clock. */
export function imageDeps(): { images: ImageRepository; objects: ObjectStore; clock: Clock } {
  return { images: imageRepository(), objects: objectStore(), clock: systemClock };
}
