/**
 * Scheduled job: removes images deleted longer ago than the retention period (record, original and
 * thumbnails). Runs hourly in AWS; locally `npm run purge` invokes it.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { purgeDeleted, systemClock } from "@picstack/core";
import type { Context } from "aws-lambda";
import { config } from "../config.js";
import { imageRepository, objectStore, searchIndexQueue } from "../wiring.js";

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
  // Forced compactions: a purged image's document leaves the users' snapshots, not only their search.
  // Best effort: the pending removals already keep it out of every answer.
  for (const userId of result.users) {
    try {
      await searchIndexQueue().requestCompaction(userId, true);
    } catch (error) {
      logger.warn("could not ask for a search index compaction", { userId, error: error as Error });
    }
  }
  logger.info("purge done", { purged: result.purged.length, users: result.users.length });
  return result;
};
