/**
 * Scheduled job: removes images deleted longer ago than the retention period (record, original and
 * thumbnails). Runs hourly in AWS; locally `npm run purge` invokes it.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { purgeDeleted, systemClock } from "@picstack/core";
import type { Context } from "aws-lambda";
import { config } from "../config.js";
import { imageRepository, objectStore } from "../wiring.js";

const logger = new Logger({ serviceName: "picstack-purge" });

config();

export const handler = async (_event: unknown, context: Context) => {
  logger.addContext(context);
  const result = await purgeDeleted({
    images: imageRepository(),
    objects: objectStore(),
    clock: systemClock,
    retentionDays: config().retentionDays,
  });
  logger.info("purge done", { purged: result.purged.length });
  return result;
};
