/**
 * AWS SDK clients, configured for AWS or a local emulator. In AWS nothing is set and the SDK's defaults
 * apply. Locally `AWS_ENDPOINT_URL` points every client at the emulator (the SDK reads it itself).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface S3Options {
  /** Path-style addressing: required by emulators on `localhost:port`. */
  forcePathStyle?: boolean;
  /** Endpoint browsers and devices use for presigned URLs, when it differs from the SDK's. */
  publicEndpoint?: string;
}

export function createS3Client(options: S3Options = {}): S3Client {
  return new S3Client({
    forcePathStyle: options.forcePathStyle ?? false,
    // Checksums only when an operation requires them: presigned URLs must not carry a checksum of an
    // empty body that the client's real upload would then fail.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** The client used only to sign URLs for clients: same credentials, the public endpoint. */
export function createPresignS3Client(options: S3Options = {}): S3Client {
  if (!options.publicEndpoint) return createS3Client(options);
  return new S3Client({
    endpoint: options.publicEndpoint,
    forcePathStyle: options.forcePathStyle ?? false,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function createSqsClient(): SQSClient {
  return new SQSClient({});
}
