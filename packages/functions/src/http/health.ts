/**
 * GET /health: can this deployment reach its table, bucket and queue? 503 naming each check that fails.
 *
 * The route is anonymous, so its answer is cached per container: a fresh check costs three AWS calls
 * (DescribeTable, HeadBucket, GetQueueAttributes) and, while a dependency hangs, the SDK's whole timeout.
 * Without the cache a flood of N requests would cost 3N calls; with it, at most three per container per
 * `HEALTHY_FOR_MS`. A monitor polling every 30 s or more still gets a check made for it. A failing answer
 * is kept only `UNHEALTHY_FOR_MS`, so a recovery shows within seconds while a flood during an outage
 * still does not pile up slow probes.
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { createSqsClient } from "@picstack/adapters";
import { config } from "../config.js";
import { s3Client } from "../wiring.js";
import { logger } from "./logger.js";
import { api } from "./pipeline.js";
import { json } from "./response.js";

type Check = "ok" | "error";
type Checks = { table: Check; bucket: Check; queue: Check };

export const HEALTHY_FOR_MS = 10_000;
export const UNHEALTHY_FOR_MS = 2_000;

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

async function probeAll(): Promise<Checks> {
  const c = config();
  const [table, bucket, queue] = await Promise.all([
    check("table", () => dynamo.send(new DescribeTableCommand({ TableName: c.table }))),
    check("bucket", () => s3Client().send(new HeadBucketCommand({ Bucket: c.bucket }))),
    check("queue", async () => {
      if (!c.queueUrl) throw new Error("no queue configured");
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: c.queueUrl, AttributeNames: ["QueueArn"] }));
    }),
  ]);
  return { table, bucket, queue };
}

const healthy = (checks: Checks) => Object.values(checks).every((v) => v === "ok");

let cached: { checks: Checks; until: number } | undefined;
/** The probe under way, shared by requests that arrive while it runs. */
let probing: Promise<Checks> | undefined;

async function currentChecks(): Promise<Checks> {
  if (cached && Date.now() < cached.until) return cached.checks;
  probing ??= probeAll()
    .then((checks) => {
      cached = { checks, until: Date.now() + (healthy(checks) ? HEALTHY_FOR_MS : UNHEALTHY_FOR_MS) };
      return checks;
    })
    .finally(() => {
      probing = undefined;
    });
  return probing;
}

export const handler = api().handler(async () => {
  const checks = await currentChecks();
  const ok = healthy(checks);
  return json(ok ? 200 : 503, { status: ok ? "ok" : "degraded", checks }, { "Cache-Control": "no-store" });
});
