/** The reliability suite's fault hooks: faults come from inside the SDK's retry loop, and only when asked. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { injectSdkFaults, parseFaultPlan, slowDown, throttled } from "../src/faults.js";

let server: Server;
let endpoint: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/x-amz-json-1.0" });
      res.end(req.headers["x-amz-target"] ? "{}" : "");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

describe("parseFaultPlan", () => {
  it("accepts the known faults and refuses anything else", () => {
    expect(parseFaultPlan('{"dbThrottleRate":0.2,"killWorkerOnOriginalBytes":12345}')).toEqual({
      dbThrottleRate: 0.2,
      killWorkerOnOriginalBytes: 12345,
    });
    expect(() => parseFaultPlan('{"dbThrottleRate":2}')).toThrow("at most 1");
    expect(() => parseFaultPlan('{"deleteEverything":1}')).toThrow("unknown fault");
    expect(() => parseFaultPlan("[]")).toThrow("must be an object");
  });
});

describe("injectSdkFaults", () => {
  it("fails the chosen S3 command on every attempt the SDK makes, and lets other commands through", async () => {
    // Prepare
    const s3 = new S3Client({
      endpoint,
      region: "us-east-1",
      credentials,
      forcePathStyle: true,
      maxAttempts: 3,
    });
    injectSdkFaults(s3, { rate: 1, commands: ["GetObjectCommand"], error: slowDown });
    requests = 0;

    // Act
    const error = await s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" })).catch((e: unknown) => e);
    await s3.send(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" }));

    // Assess: the SDK retried the injected 503 as it would a real one; nothing was sent for it.
    expect(error).toMatchObject({ name: "SlowDown", $metadata: { attempts: 3 } });
    expect(requests).toBe(1);
  });

  it("throttles DynamoDB calls through the document client, retried by the SDK as throttling", async () => {
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 2 }),
    );
    injectSdkFaults(db, { rate: 1, error: throttled });
    const error = await db
      .send(new GetCommand({ TableName: "t", Key: { pk: "a" } }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "ProvisionedThroughputExceededException",
      $metadata: { attempts: 2 },
    });
  });

  it("does nothing at rate 0", async () => {
    const s3 = new S3Client({ endpoint, region: "us-east-1", credentials, forcePathStyle: true });
    injectSdkFaults(s3, { rate: 0, error: slowDown });
    requests = 0;
    await s3.send(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" }));
    expect(requests).toBe(1);
  });
});
