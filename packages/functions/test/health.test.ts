/**
 * GET /health through the real middleware chain: no token needed, a 503 that names the failing checks,
 * CORS headers on the answer. It is anonymous, so a flood must not cost a dependency call per request:
 * the answer is cached per container (ok for HEALTHY_FOR_MS, a failure for UNHEALTHY_FOR_MS). The
 * dependencies are one local HTTP server standing in for DynamoDB, S3 and SQS that counts the calls it
 * gets and answers each with an empty 200 (up), a 500 (failing), or drops the connection (unreachable).
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
const aws: { state: "up" | "failing" | "unreachable"; calls: number } = { state: "up", calls: 0 };

beforeAll(async () => {
  server = createServer((req, res) => {
    aws.calls++;
    if (aws.state === "unreachable") return req.socket.destroy();
    req.resume();
    req.on("end", () => {
      if (aws.state === "failing") res.writeHead(500, { "Content-Type": "application/json" }).end("{}");
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
  aws.state = "up";
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
  return { status: response.statusCode, headers: response.headers, body: JSON.parse(response.body) };
}

describe("GET /health", () => {
  it("makes three dependency calls for a flood of anonymous requests, then checks again when stale", async () => {
    // Act
    const first = await health();
    const flood = await Promise.all(Array.from({ length: 50 }, () => health()));
    for (let i = 0; i < 50; i++) await health();
    // Assess
    expect(first).toMatchObject({
      status: 200,
      body: { status: "ok", checks: { table: "ok", bucket: "ok", queue: "ok" } },
    });
    expect(flood.every((answer) => answer.status === 200)).toBe(true);
    expect(aws.calls).toBe(3);

    // Act: the cached answer has expired and the dependencies are failing now.
    aws.state = "failing";
    vi.advanceTimersByTime(healthyForMs + 1);
    const down = await health();
    // Assess
    expect(down).toMatchObject({
      status: 503,
      body: { status: "degraded", checks: { table: "error", bucket: "error", queue: "error" } },
    });
    expect(aws.calls).toBe(6);
  });

  it("answers 503 naming each unreachable dependency, with CORS headers and without a token", async () => {
    // Prepare: the cached answer has expired and nothing answers.
    aws.state = "unreachable";
    vi.advanceTimersByTime(healthyForMs + 1);
    // Act
    const down = await health();
    // Assess
    expect(down.status).toBe(503);
    expect(down.body).toEqual({
      status: "degraded",
      checks: { table: "error", bucket: "error", queue: "error" },
    });
    expect(down.headers?.["Access-Control-Allow-Origin"]).toBe("http://web.test");
  });

  it("keeps a failing answer only briefly, so a recovery shows within seconds", async () => {
    // Prepare: a failing answer made now.
    aws.state = "failing";
    vi.advanceTimersByTime(healthyForMs + 1);
    expect((await health()).status).toBe(503);
    const calls = aws.calls;
    aws.state = "up";
    // Act
    const cached = await health();
    vi.advanceTimersByTime(unhealthyForMs + 1);
    const recovered = await health();
    const callsAfterRecovery = aws.calls;
    vi.advanceTimersByTime(unhealthyForMs + 1);
    const stillCached = await health();
    // Assess: the failure was kept briefly; the good answer that replaced it is kept longer.
    expect(cached.status).toBe(503);
    expect(recovered.status).toBe(200);
    expect(callsAfterRecovery).toBe(calls + 3);
    expect(stillCached.status).toBe(200);
    expect(aws.calls).toBe(callsAfterRecovery);
  });
});
