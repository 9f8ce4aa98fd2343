/** AnalysisQueue on the analysis SQS queue: the same queue as upload notifications, its own message type. */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { AnalysisQueue } from "@picstack/core";

/** Body of a re-analysis request; the worker tells it from S3 notifications by `picstack`. */
export interface AnalyzeMessage {
  picstack: "analyze";
  imageId: string;
}

export class SqsAnalysisQueue implements AnalysisQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async requestAnalysis(imageId: string): Promise<void> {
    const body: AnalyzeMessage = { picstack: "analyze", imageId };
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(body) }),
    );
  }
}
