/**
 * SQS consumer of the search-index queue: folds users' pending search changes into new snapshots
 * (docs/search.md). Messages of one user in a batch are compacted once; a user whose compaction fails
 * fails all of that user's messages in the batch (retried, then dead-lettered), and only those.
 *
 * Invoked directly (not by SQS) with `{ userId, force }`, it compacts that user and answers the result:
 * what `npm run` scripts and the test suites use to force a compaction.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { type CompactionResult, searchIndexMessage } from "@picstack/adapters";
import { searchIndex } from "@picstack/infrastructure";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { config } from "../config.js";
import { searchIndexStore } from "../wiring.js";

const logger = new Logger({ serviceName: "picstack-search-index" });

config();

async function compact(userId: string, force: boolean): Promise<CompactionResult> {
  const result = await searchIndexStore().compact(userId, {
    force,
    minPending: searchIndex.compactAtPending,
  });
  logger.info("search index compaction", { userId, force, ...result });
  return result;
}

const isSqsEvent = (event: unknown): event is SQSEvent =>
  Array.isArray((event as { Records?: unknown }).Records);

export const handler = async (
  event: SQSEvent | unknown,
  context: Context,
): Promise<SQSBatchResponse | CompactionResult> => {
  logger.addContext(context);
  if (!isSqsEvent(event)) {
    const message = searchIndexMessage.parse(event);
    return compact(message.userId, message.force ?? false);
  }
  // Group by user: one compaction per user per batch, forced if any of its messages asks.
  const byUser = new Map<string, { force: boolean; messageIds: string[] }>();
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    let parsed: ReturnType<typeof searchIndexMessage.safeParse>;
    try {
      parsed = searchIndexMessage.safeParse(JSON.parse(record.body));
    } catch {
      parsed = searchIndexMessage.safeParse(undefined);
    }
    if (!parsed.success) {
      // Never valid, so never retried: logged and dropped.
      logger.error("search index message refused", { messageId: record.messageId });
      continue;
    }
    const entry = byUser.get(parsed.data.userId) ?? { force: false, messageIds: [] };
    entry.force ||= parsed.data.force ?? false;
    entry.messageIds.push(record.messageId);
    byUser.set(parsed.data.userId, entry);
  }
  for (const [userId, { force, messageIds }] of byUser) {
    try {
      await compact(userId, force);
    } catch (error) {
      logger.error("search index compaction failed", { userId, error: error as Error });
      failures.push(...messageIds.map((itemIdentifier) => ({ itemIdentifier })));
    }
  }
  return { batchItemFailures: failures };
};
