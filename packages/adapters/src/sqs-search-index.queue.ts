/** Compaction requests on the search-index queue (infrastructure/picstack.ts `searchQueue`). */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import * as z from "zod";

/** A message's body: whose index to compact, and whether to do it whatever few changes are pending. */
export const searchIndexMessage = z.strictObject({
  userId: z.string().min(1).max(128),
  force: z.boolean().optional(),
});
export type SearchIndexMessage = z.infer<typeof searchIndexMessage>;

export class SqsSearchIndexQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async requestCompaction(userId: string, force = false): Promise<void> {
    const body: SearchIndexMessage = force ? { userId, force } : { userId };
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(body) }),
    );
  }
}
