/**
 * The analysis dead-letter queue: list what is in it, and move it back to the analysis queue (a redrive)
 * once the cause is fixed. An image failed with `retries_exhausted` is final (its bytes are removed), so a
 * redrive of its message only checks that nothing was left behind; its owner uploads the file again.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { emulatorClientConfig, type Outputs } from "./deploy.js";

/** The queues and the emulator, from a local stack's outputs. */
export type QueueOutputs = Pick<Outputs, "endpoint" | "queue" | "deadLetterQueue">;

export interface DeadLetter {
  messageId: string;
  receiveCount: number;
  body: string;
}

function client(outputs: QueueOutputs): SQSClient {
  return new SQSClient(emulatorClientConfig(outputs.endpoint));
}

/** Reads up to `max` messages without consuming them (visibility 0: they stay available). */
export async function listDeadLetters(outputs: QueueOutputs, max = 100): Promise<DeadLetter[]> {
  const sqs = client(outputs);
  const dlq = outputs.deadLetterQueue;
  const seen = new Map<string, DeadLetter>();
  for (let round = 0; round < 10 && seen.size < max; round++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlq,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );
    if (Messages.length === 0) break;
    for (const m of Messages) {
      if (!m.MessageId || seen.has(m.MessageId)) continue;
      seen.set(m.MessageId, {
        messageId: m.MessageId,
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
        body: m.Body ?? "",
      });
    }
  }
  return [...seen.values()];
}

/** Moves every dead letter back to the analysis queue; returns how many moved. */
export async function redriveDeadLetters(outputs: QueueOutputs): Promise<number> {
  const sqs = client(outputs);
  const { deadLetterQueue: dlq, queue: main } = outputs;
  let moved = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlq,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) return moved;
    const entries = Messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body ?? "" }));
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: main, Entries: entries }));
    if (sent.Failed?.length) throw new Error(`${sent.Failed.length} messages could not be sent back`);
    // Deleted only after they are safely on the analysis queue: a crash here duplicates, never loses.
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: dlq,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
      }),
    );
    moved += Messages.length;
  }
}
