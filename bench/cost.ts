/**
 * The AWS us-east-1 cost of 1,000 images (upload, processing, analysis, a month of storage, a few
 * reads), from measured durations and sizes and the counts below, at the list prices in prices.ts.
 */
import { functions } from "@picstack/infrastructure";
import { imageTokens, type OpenAiModel, PRICES } from "./prices.js";
import { round } from "./stats.js";

export interface CostInput {
  /** Measured: the image step for one photo, ms, on one core of this machine. */
  imageStepMs: number;
  /** Measured: one API call's handler time (ours minus the no-op Lambda's), ms. */
  apiHandlerMs: number;
  /** Measured bytes stored per image. */
  originalBytes: number;
  thumbnailBytes: number;
  /** The rendition sent to the AI provider. */
  analysisWidth: number;
  analysisHeight: number;
  model: OpenAiModel;
}

/** What one image costs in requests (read off the code; see the README's cost section). */
export const PER_IMAGE = {
  apiCalls: { create: 1, getPolls: 3, list: 1 },
  s3Writes: 3, // the original (presigned PUT) and two thumbnails
  s3Reads: 4, // the worker reads the original; a client fetches thumb, preview and original once
  sqsRequests: 3, // the S3 notification, its receive and its delete (batches of 5 share receives; counted whole)
  dynamoWrites: 17, // create (transaction: 2 WRU each item), claim, ready, analysis with ~6 tag items (transaction), rate-limit tokens
  dynamoReads: 6, // get-image reads, list query, claim's read of the record
  /** A call to the model waits on the network; the Lambda is billed for it. */
  aiWaitMs: 2500,
  promptTokens: 160, // the instruction and the JSON schema, ~4 characters per token
  outputTokens: 70, // one sentence (≤ 200 characters), up to 8 tags, usually no text, in the schema's JSON
  workerOverheadMs: 150, // S3 get/puts and DynamoDB writes around the image step
} as const;

export interface CostResult {
  usd: number;
  perImageUsd: number;
  model: OpenAiModel;
  aiImage: string;
  breakdown: Record<string, number>;
  assumptions: typeof PER_IMAGE & { lambdaCpuNote: string };
}

export function costPer1000(input: CostInput): CostResult {
  const n = 1000;
  const gb = (mb: number) => mb / 1024;
  // Lambda gives a full vCPU at 1,769 MB; below that the image step slows down in proportion.
  const workerMemory = functions.processUpload.memorySize;
  const cpuShare = Math.min(1, workerMemory / 1769);
  const workerSeconds =
    (input.imageStepMs / cpuShare + PER_IMAGE.workerOverheadMs + PER_IMAGE.aiWaitMs) / 1000;
  const apiCalls = PER_IMAGE.apiCalls.create + PER_IMAGE.apiCalls.getPolls + PER_IMAGE.apiCalls.list;
  const apiSeconds = (apiCalls * Math.max(input.apiHandlerMs, 20)) / 1000;
  const lambdaGbSeconds =
    n * (workerSeconds * gb(workerMemory) + apiSeconds * gb(functions.getImage.memorySize));
  const inputTokens =
    imageTokens(input.model, input.analysisWidth, input.analysisHeight) + PER_IMAGE.promptTokens;
  const ai = PRICES.openai[input.model];
  const breakdown = {
    lambdaCompute: lambdaGbSeconds * PRICES.lambda.gbSecond,
    lambdaRequests: ((n * (apiCalls + 0.2)) / 1e6) * PRICES.lambda.perMillionRequests,
    s3Requests:
      (n * PER_IMAGE.s3Writes * PRICES.s3.perThousandWrites) / 1000 +
      (n * PER_IMAGE.s3Reads * PRICES.s3.perThousandReads) / 1000,
    s3StorageMonth: ((n * (input.originalBytes + input.thumbnailBytes)) / 1024 ** 3) * PRICES.s3.gbMonth,
    sqs: ((n * PER_IMAGE.sqsRequests) / 1e6) * PRICES.sqs.perMillionRequests,
    dynamodb:
      ((n * PER_IMAGE.dynamoWrites) / 1e6) * PRICES.dynamodb.perMillionWrites +
      ((n * PER_IMAGE.dynamoReads) / 1e6) * PRICES.dynamodb.perMillionReads,
    apiGateway: ((n * apiCalls) / 1e6) * PRICES.apiGateway.restPerMillion,
    aiInputTokens: ((n * inputTokens) / 1e6) * ai.inputPerMillion,
    aiOutputTokens: ((n * PER_IMAGE.outputTokens) / 1e6) * ai.outputPerMillion,
  };
  const usd = Object.values(breakdown).reduce((a, b) => a + b, 0);
  return {
    usd: round(usd, 3),
    perImageUsd: round(usd / n, 6),
    model: input.model,
    aiImage: `${input.analysisWidth}×${input.analysisHeight} (${imageTokens(input.model, input.analysisWidth, input.analysisHeight)} image tokens)`,
    breakdown: Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k, round(v, 4)])),
    assumptions: {
      ...PER_IMAGE,
      lambdaCpuNote: `processUpload at ${workerMemory} MB gets ${round(cpuShare * 100, 0)}% of a vCPU`,
    },
  };
}
