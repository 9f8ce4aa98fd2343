/**
 * GET /health through the real middleware chain with its dependencies unreachable: a 503 that names
 * the failing checks, with no token needed and CORS headers on the answer.
 */
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";

let handler: (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

beforeAll(async () => {
  Object.assign(process.env, {
    PICSTACK_FUNCTION: "health",
    PICSTACK_STAGE: "test",
    PICSTACK_TABLE: "t",
    PICSTACK_BUCKET: "b",
    PICSTACK_QUEUE_URL: "http://127.0.0.1:1/000000000000/q",
    PICSTACK_WEB_ORIGIN: "http://web.test",
    PICSTACK_AUTH_ISSUER: "https://issuer.test",
    PICSTACK_AUTH_AUDIENCE: "aud",
    PICSTACK_AUTH_JWKS: JSON.stringify({ keys: [] }),
    // Nothing listens on port 1: every dependency is down.
    AWS_ENDPOINT_URL: "http://127.0.0.1:1",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_MAX_ATTEMPTS: "1",
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  ({ handler } = (await import("../src/http/health.js")) as unknown as { handler: typeof handler });
});

describe("GET /health", () => {
  it("answers 503 naming each dependency that is down", async () => {
    const event = {
      httpMethod: "GET",
      resource: "/health",
      path: "/health",
      headers: {},
      requestContext: { requestId: "r-1" },
    } as unknown as APIGatewayProxyEvent;

    const response = await handler(event, { functionName: "health", awsRequestId: "r-1" } as Context);

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      status: "degraded",
      checks: { table: "error", bucket: "error", queue: "error" },
    });
    expect(response.headers?.["Access-Control-Allow-Origin"]).toBe("http://web.test");
  });
});
