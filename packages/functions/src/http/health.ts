/** GET /health: can this deployment reach its table, bucket and queue? 503 when one is down. */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { createSqsClient } from "@picstack/adapters";
import { config } from "../config.js";
import { s3Client } from "../wiring.js";
import { http, json, logger } from "./middleware.js";

type Check = "ok" | "error";

const dynamo = new DynamoDBClient({});
const sqs = createSqsClient();

async function check(name: string, probe: () => Promise<unknown>): Promise<Check> {
  try {
    await probe();
    return "ok";
  } catch (error) {
    logger.warn("health check failed", { check: name, error: (error as Error).name });
    return "error";
  }
}

export const handler = http({ auth: false }, async () => {
  const c = config();
  const [table, bucket, queue] = await Promise.all([
    check("table", () => dynamo.send(new DescribeTableCommand({ TableName: c.table }))),
    check("bucket", () => s3Client().send(new HeadBucketCommand({ Bucket: c.bucket }))),
    check("queue", async () => {
      if (!c.queueUrl) throw new Error("no queue configured");
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: c.queueUrl, AttributeNames: ["QueueArn"] }));
    }),
  ]);
  const checks = { table, bucket, queue };
  const ok = Object.values(checks).every((v) => v === "ok");
  return json(ok ? 200 : 503, { status: ok ? "ok" : "degraded", checks }, { "Cache-Control": "no-store" });
});
