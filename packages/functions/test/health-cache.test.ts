/**
 * GET /health is anonymous, so a flood must not cost a dependency call per request: the answer is
 * cached per container (ok for HEALTHY_FOR_MS, a failure for UNHEALTHY_FOR_MS). The dependencies are
 * one local HTTP server standing in for DynamoDB, S3 and SQS that counts the calls it gets and answers
 * each with an empty 200 (healthy) or a 500 (down).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

type Handler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

let handler: Handler;
let healthyForMs: number;
let unhealthyForMs: number;
let server: Server;
const aws = { down: false, calls: 0 };

beforeAll(async () => {
  server = createServer((req, res) => {
    aws.calls++;
    req.resume();
    req.on("end", () => {
      if (aws.down) res.writeHead(500, { "Content-Type": "application/json" }).end("{}");
      else res.writeHead(200, { "Content-Type": "application/x-amz-json-1.0" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    PICSTACK_FUNCTION: "health",
    PICSTACK_STAGE: "test",
    PICSTACK_TABLE: "t",
    PICSTACK_BUCKET: "b",
    PICSTACK_QUEUE_URL: `${endpoint}/000000000000/q`,
    PICSTACK_WEB_ORIGIN: "http://web.test",
    PICSTACK_AUTH_ISSUER: "https://issuer.test",
    PICSTACK_AUTH_AUDIENCE: "aud",
    PICSTACK_AUTH_JWKS: JSON.stringify({ keys: [] }),
    PICSTACK_S3_FORCE_PATH_STYLE: "true",
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_MAX_ATTEMPTS: "1",
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  const health = await import("../src/http/health.js");
  handler = health.handler as unknown as Handler;
  healthyForMs = health.HEALTHY_FOR_MS;
  unhealthyForMs = health.UNHEALTHY_FOR_MS;
  // Only Date is faked: the SDK's own timers keep running.
  vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-12-01T08:00:00Z") });
});

afterEach(() => {
  aws.down = false;
});

afterAll(async () => {
  vi.useRealTimers();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function health() {
  const event = {
    httpMethod: "GET",
    resource: "/health",
    path: "/health",
    headers: {},
    requestContext: { requestId: "r-1" },
  } as unknown as APIGatewayProxyEvent;
  const response = await handler(event, { functionName: "health", awsRequestId: "r-1" } as Context);
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

describe("GET /health caching", () => {
  it("makes three dependency calls for a flood of anonymous requests, then checks again when stale", async () => {
    // Act
    const first = await health();
    const flood = await Promise.all(Array.from({ length: 50 }, () => health()));
    for (let i = 0; i < 50; i++) await health();
    // Assess
    expect(first).toEqual({
      status: 200,
      body: { status: "ok", checks: { table: "ok", bucket: "ok", queue: "ok" } },
    });
    expect(flood.every((answer) => answer.status === 200)).toBe(true);
    expect(aws.calls).toBe(3);

    // Act: the cached answer has expired and the dependencies are down now.
    aws.down = true;
    vi.advanceTimersByTime(healthyForMs + 1);
    const down = await health();
    // Assess
    expect(down).toEqual({
      status: 503,
      body: { status: "degraded", checks: { table: "error", bucket: "error", queue: "error" } },
    });
    expect(aws.calls).toBe(6);
  });

  it("keeps a failing answer only briefly, so a recovery shows within seconds", async () => {
    // Prepare: a failing answer made now.
    aws.down = true;
    vi.advanceTimersByTime(healthyForMs + 1);
    expect((await health()).status).toBe(503);
    const calls = aws.calls;
    aws.down = false;
    // Act
    const cached = await health();
    vi.advanceTimersByTime(unhealthyForMs + 1);
    const recovered = await health();
    // Assess
    expect(cached.status).toBe(503);
    expect(recovered.status).toBe(200);
    expect(aws.calls).toBe(calls + 3);
    expect(unhealthyForMs).toBeLessThan(healthyForMs);
  });
});
