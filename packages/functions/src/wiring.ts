/**
 * SDK clients and adapters, built once per cold start and shared by the handlers in one bundle.
 * Each getter builds on first use so a bundle only creates what its handler needs.
 */

import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
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
  type ImageRepository,
  type ObjectStore,
  type RateLimitStore,
  systemClock,
} from "@picstack/core";
import { config } from "./config.js";

function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

export const documentClient = once(createDocumentClient);
export const s3Client = once(() => createS3Client(config().s3));

export const imageRepository = once<ImageRepository>(
  () => new DynamoImageRepository(documentClient(), config().table),
);

export const objectStore = once<ObjectStore>(() => {
  const c = config();
  return new S3ObjectStore({
    bucket: c.bucket,
    s3: s3Client(),
    presigner: createPresignS3Client(c.s3),
    uploadTtlSeconds: c.uploadTtlSeconds,
    downloadTtlSeconds: c.downloadTtlSeconds,
  });
});

export const tokenVerifier = once<TokenVerifier>(() => createJwtVerifier(config().auth));

/** The list-cursor codec; in AWS its secret is read from Secrets Manager once per cold start. */
export const cursorCodec = once(async (): Promise<CursorCodec> => {
  const { arn, value } = config().cursorSecret;
  if (value) return new CursorCodec(value);
  if (!arn) throw new Error("No cursor secret is configured");
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  if (!secret.SecretString) throw new Error("The cursor secret is empty");
  return new CursorCodec(secret.SecretString);
});

export const rateLimitStore = once<RateLimitStore>(
  () => new DynamoRateLimitStore(documentClient(), config().table),
);

/** What most image handlers need: the repository, the object store and the clock. */
export function imageDeps(): { images: ImageRepository; objects: ObjectStore; clock: Clock } {
  return { images: imageRepository(), objects: objectStore(), clock: systemClock };
}
