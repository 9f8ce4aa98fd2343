/**
 * SQS consumer of S3 upload notifications. Each message is processed on its own; a failure is reported
 * as that message's batch item failure, so it is retried (and after `maxReceiveCount`, dead-lettered)
 * without holding back the rest of the batch.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Logger } from "@aws-lambda-powertools/logger";
import { SharpImageProcessor } from "@picstack/adapters/sharp";
import { failExhaustedUpload, processUpload, runRequestedAnalysis, systemClock } from "@picstack/core";
import { functions, queue } from "@picstack/infrastructure";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { config } from "../config.js";
import { imageRepository, objectStore } from "../wiring.js";
import { chooseProvider } from "./provider.js";
import { parseQueueMessage } from "./s3-events.js";

const logger = new Logger({ serviceName: "picstack-analysis" });
const processor = new BatchProcessor(EventType.SQS);
const images = new SharpImageProcessor();
const provider = await chooseProvider(config().analysis);

async function handleRecord(record: SQSRecord): Promise<void> {
  const message = parseQueueMessage(record.body);
  const deps = {
    images: imageRepository(),
    objects: objectStore(),
    processor: images,
    provider,
    clock: systemClock,
  };
  if (message.kind === "analyze") {
    const result = await runRequestedAnalysis(deps, message.imageId);
    logger.info("analysis requested", { ...result, messageId: record.messageId });
    return;
  }
  if (message.uploads.length === 0) {
    logger.info("no uploads in message (test event)", { messageId: record.messageId });
    return;
  }
  for (const upload of message.uploads) {
    let result: Awaited<ReturnType<typeof processUpload>>;
    try {
      result = await processUpload({ ...deps, leaseSeconds: functions.processUpload.timeout }, upload);
    } catch (error) {
      // On the last receive, give the image an end state before the message goes to the dead-letter queue.
      if (Number(record.attributes.ApproximateReceiveCount) >= queue.maxReceiveCount) {
        const marked = await failExhaustedUpload(deps, upload.key, (error as Error).name);
        logger.error("upload failed on its last receive", { key: upload.key, marked, error: error as Error });
      }
      throw error;
    }
    if (result.outcome === "skipped") {
      logger.info("upload skipped", { key: result.key, reason: result.reason, messageId: record.messageId });
    } else {
      logger.info("upload processed", { ...result, messageId: record.messageId });
    }
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, handleRecord, processor, { context });
};
