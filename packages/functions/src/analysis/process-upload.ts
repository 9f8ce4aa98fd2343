/**
 * SQS consumer of S3 upload notifications. Each message is processed on its own; a failure is reported
 * as that message's batch item failure, so it is retried (and after `maxReceiveCount`, dead-lettered)
 * without holding back the rest of the batch.
 *
 * Records run in parallel (Powertools' default), but their image steps pass a one-at-a-time gate: large
 * decodes never share the function's memory, and the AI calls, which only wait on the network, overlap.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Logger } from "@aws-lambda-powertools/logger";
import { configureSharp, DEFAULT_SHARP_OPTIONS, SharpImageProcessor } from "@picstack/adapters/sharp";
import { type Delivery, processUpload, runRequestedAnalysis, systemClock } from "@picstack/core";
import { functions, worker } from "@picstack/infrastructure";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import pLimit from "p-limit";
import { config } from "../config.js";
import { embeddingProvider, imageRepository, objectStore } from "../wiring.js";
import { chooseProvider } from "./provider.js";
import { parseQueueMessage } from "./s3-events.js";

const logger = new Logger({ serviceName: "picstack-analysis" });
const processor = new BatchProcessor(EventType.SQS);
configureSharp({ cache: worker.sharpCache, concurrency: worker.sharpConcurrency });
const images = new SharpImageProcessor({ ...DEFAULT_SHARP_OPTIONS, maxInputPixels: worker.maxInputPixels });
const imageStep = pLimit(worker.imageStepsAtOnce);
const provider = await chooseProvider(config().analysis);
const embeddings = await embeddingProvider();

/** A message that must come back later (the batch item fails, SQS delivers it again). */
class RetryLater extends Error {
  override name = "RetryLater";
}

async function handleRecord(record: SQSRecord, deadline: number): Promise<void> {
  const message = parseQueueMessage(record.body);
  const delivery: Delivery = {
    pastLastAttempt: Number(record.attributes.ApproximateReceiveCount) > worker.processingAttempts,
  };
  const deps = {
    images: imageRepository(),
    objects: objectStore(),
    processor: images,
    provider,
    ...(embeddings ? { embeddings } : {}),
    clock: systemClock,
    // A worker owns what it claims until its invocation ends (leases are cut at the deadline); then a
    // redelivery may take over.
    leaseSeconds: functions.processUpload.timeout,
    deadline,
    exclusive: <T>(work: () => Promise<T>) => imageStep(work),
    log: (text: string, details: Record<string, unknown>) => logger.warn(text, details),
  };
  if (message.kind === "analyze") {
    const result = await runRequestedAnalysis(deps, message.imageId, delivery);
    logger.info("analysis requested", { ...result, messageId: record.messageId });
    return;
  }
  if (message.uploads.length === 0) {
    logger.info("no uploads in message (test event)", { messageId: record.messageId });
    return;
  }
  for (const upload of message.uploads) {
    const result = await processUpload(deps, upload, delivery);
    const context = {
      ...result,
      messageId: record.messageId,
      receives: record.attributes.ApproximateReceiveCount,
    };
    if (result.outcome === "skipped") {
      logger.info("upload skipped", context);
      if (result.reason === "not_enough_time") throw new RetryLater("Too little of the invocation was left");
    } else if (result.outcome === "failed" && result.code === "retries_exhausted") {
      // Final now; the message still goes to the dead-letter queue, where operators see what failed.
      logger.error("upload failed: retries exhausted", context);
      throw new RetryLater(`Image ${result.id} ran out of processing attempts`);
    } else {
      logger.info("upload processed", context);
    }
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  const deadline = Date.now() + context.getRemainingTimeInMillis();
  try {
    return await processPartialResponse(
      event,
      (record: SQSRecord) => handleRecord(record, deadline),
      processor,
      {
        context,
      },
    );
  } finally {
    // maxRSS is the process's peak so far (KiB): the figure that must stay under the function's memory.
    logger.info("worker memory", {
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      rssMiB: Math.round(process.memoryUsage.rss() / 1048576),
      memoryLimitMiB: Number(context.memoryLimitInMB),
      records: event.Records.length,
    });
  }
};
