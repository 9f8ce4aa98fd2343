/**
 * The HTTP middleware chain (src/http/pipeline.ts and src/http/middleware/) run for real: body parsing,
 * CORS, error answers and their log lines, the rate limit, and the order auth → rate limit → body on a
 * real route. Tokens are checked against an inline key set and buckets live in an in-memory store; the
 * only endpoint configured, DynamoDB's, is closed on purpose.
 */
import { type BucketState, ImageNotFoundError, type RateLimitStore } from "@picstack/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
type Handler<E = APIGatewayProxyEvent, C extends Context = Context> = (
  event: E,
  context: C,
) => Promise<APIGatewayProxyResult>;
type LogLine = Record<string, unknown>;

const ISSUER = "https://issuer.test";
const AUDIENCE = "aud";
const WEB = "http://web.test";

let privateKey: PrivateKey;
let http: {
  api: typeof import("../src/http/pipeline.js").api;
  authenticate: typeof import("../src/http/middleware/auth.js").authenticate;
  rateLimit: typeof import("../src/http/middleware/rate-limit.js").rateLimit;
  jsonBody: typeof import("../src/http/middleware/json-body.js").jsonBody;
  json: typeof import("../src/http/response.js").json;
};
let createImage: Handler;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  privateKey = pair.privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  Object.assign(process.env, {
    // createImage: its permissions need nothing beyond the table, bucket and rate limits.
    PICSTACK_FUNCTION: "createImage",
    PICSTACK_STAGE: "test",
    PICSTACK_TABLE: "t",
    PICSTACK_BUCKET: "b",
    PICSTACK_WEB_ORIGIN: WEB,
    PICSTACK_AUTH_ISSUER: ISSUER,
    PICSTACK_AUTH_AUDIENCE: AUDIENCE,
    PICSTACK_AUTH_JWKS: JSON.stringify({ keys: [publicJwk] }),
    AWS_ENDPOINT_URL: "http://127.0.0.1:1",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_MAX_ATTEMPTS: "1",
    // The log lines are part of what is checked; captureLogs keeps them out of the test output.
    POWERTOOLS_LOG_LEVEL: "INFO",
  });
  http = {
    ...(await import("../src/http/pipeline.js")),
    ...(await import("../src/http/middleware/auth.js")),
    ...(await import("../src/http/middleware/rate-limit.js")),
    ...(await import("../src/http/middleware/json-body.js")),
    ...(await import("../src/http/response.js")),
  };
  ({ handler: createImage } = (await import("../src/http/create-image.js")) as unknown as {
    handler: Handler;
  });
});

const sign = (sub: string, key: PrivateKey = privateKey) =>
  new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);

function request(parts: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: "POST",
    resource: "/things",
    path: "/things",
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: "api-req-1" } as APIGatewayProxyEvent["requestContext"],
    ...parts,
  };
}

/** Runs `handler` once and returns its answer with the JSON log lines it wrote to stdout and stderr. */
async function call<E, C extends Context>(handler: Handler<E, C>, event: APIGatewayProxyEvent) {
  const lines: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof stream.write;
  }
  try {
    // A handler's types say what its middleware make of the event and context; Lambda passes raw ones.
    const context = { functionName: "api", awsRequestId: "lambda-req-1" } as C;
    const response = await handler(event as E, context);
    const logs = lines
      .flatMap((text) => text.split("\n"))
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogLine);
    return { response, body: response.body ? JSON.parse(response.body) : undefined, logs };
  } finally {
    streams.forEach((stream, i) => {
      stream.write = writes[i] as typeof stream.write;
    });
  }
}

/** Token buckets in memory: the port's contract, compare-and-set included. */
class MemoryRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, BucketState>();
  async get(key: string) {
    return this.buckets.get(key);
  }
  async compareAndSet(key: string, previous: BucketState | undefined, next: BucketState) {
    if (this.buckets.get(key) !== previous) return false;
    this.buckets.set(key, next);
    return true;
  }
}

describe("body parsing", () => {
  const schema = z.strictObject({ name: z.string() });
  const echo = () =>
    http
      .api()
      .use(http.jsonBody(schema))
      .handler(async (event) => http.json(200, { name: event.body.name }));

  it.each([
    ["with a JSON Content-Type in any case", { "CONTENT-TYPE": "application/json; charset=utf-8" }, false],
    ["without a Content-Type", {}, false],
    ["base64-encoded", { "Content-Type": "application/json" }, true],
  ])("hands the handler the parsed body, sent %s", async (_, headers, base64) => {
    // Prepare
    const text = JSON.stringify({ name: "sea.jpg" });
    const body = base64 ? Buffer.from(text).toString("base64") : text;
    // Act
    const { response, body: answer } = await call(
      echo(),
      request({ headers, body, isBase64Encoded: base64 }),
    );
    // Assess
    expect(response.statusCode).toBe(200);
    expect(answer).toEqual({ name: "sea.jpg" });
  });

  it.each([
    ["text/plain", "text/plain", '{"name":"a"}', 415, "unsupported_media_type"],
    ["no body", "application/json", "", 400, "invalid_json"],
    ["a body that is not JSON", "application/json", "{not json", 400, "invalid_json"],
    ["a key given twice", "application/json", '{"name":"a","name":"b"}', 400, "invalid_json"],
    ["an unknown field", "application/json", '{"name":"a","admin":true}', 400, "validation_error"],
  ])("refuses %s with a JSON %i %s", async (_, type, body, status, code) => {
    // Act
    const { response, body: answer } = await call(
      echo(),
      request({ headers: { "Content-Type": type }, body }),
    );
    // Assess
    expect(response.statusCode).toBe(status);
    expect(answer).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
    expect(response.headers?.["Content-Type"]).toBe("application/json");
  });
});

describe("CORS", () => {
  it("answers with the web origin alone, on success and on error, whatever Origin was sent", async () => {
    // Prepare
    const handler = http
      .api()
      .handler(async (event) =>
        event.path === "/fail" ? Promise.reject(new Error("boom")) : http.json(200, { ok: true }),
      );
    const fromElsewhere = { Origin: "https://evil.example" };
    // Act
    const ok = await call(handler, request({ headers: fromElsewhere }));
    const failed = await call(handler, request({ headers: fromElsewhere, path: "/fail" }));
    // Assess
    expect([ok.response.statusCode, failed.response.statusCode]).toEqual([200, 500]);
    for (const { response } of [ok, failed]) {
      expect(response.headers).toMatchObject({ "Access-Control-Allow-Origin": WEB, Vary: "Origin" });
    }
  });
});

describe("error answers", () => {
  it("answers an unknown error with a bare 500 and logs it with the request id", async () => {
    // Prepare
    const handler = http.api().handler(async () => {
      throw new Error("AccessDenied on arn:aws:dynamodb:us-east-1:123:table/secret");
    });
    // Act
    const { response, body, logs } = await call(handler, request());
    // Assess
    expect(response.statusCode).toBe(500);
    expect(body).toEqual({
      error: { code: "internal_error", message: "Something went wrong on our side; try again later" },
    });
    expect(response.body).not.toContain("arn:aws");
    const failed = logs.find((line) => line.message === "request failed");
    expect(failed).toMatchObject({ level: "ERROR", requestId: "api-req-1", route: "POST /things" });
    expect(JSON.stringify(failed)).toContain("arn:aws:dynamodb");
  });

  it("logs a refused request at INFO with its code, and no request keys linger after it", async () => {
    // Prepare
    const handler = http.api().handler(async () => {
      throw new ImageNotFoundError();
    });
    // Act
    const refused = await call(handler, request());
    const next = await call(
      http.api().handler(async () => http.json(200, {})),
      request({ requestContext: {} as APIGatewayProxyEvent["requestContext"] }),
    );
    // Assess
    expect(refused.response.statusCode).toBe(404);
    expect(refused.logs).toContainEqual(
      expect.objectContaining({ level: "INFO", message: "request refused", code: "image_not_found" }),
    );
    expect(next.logs.find((line) => line.message === "request done")).not.toHaveProperty("requestId");
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After once the caller's bucket is empty, and leaves other callers alone", async () => {
    // Prepare
    const handler = http
      .api()
      .use(http.authenticate())
      .use(
        http.rateLimit("write", {
          store: new MemoryRateLimitStore(),
          policy: { capacity: 2, refillPerSecond: 0.01 },
        }),
      )
      .handler(async (_, context) => http.json(200, { userId: context.userId }));
    const alice = { headers: { Authorization: `Bearer ${await sign("alice")}` } };
    const bob = { headers: { Authorization: `Bearer ${await sign("bob")}` } };
    // Act
    const first = await call(handler, request(alice));
    await call(handler, request(alice));
    const third = await call(handler, request(alice));
    const other = await call(handler, request(bob));
    // Assess
    expect(first.body).toEqual({ userId: "alice" });
    expect(third.response.statusCode).toBe(429);
    expect(third.body.error.code).toBe("rate_limited");
    expect(Number(third.response.headers?.["Retry-After"])).toBeGreaterThanOrEqual(50);
    expect(third.response.headers?.["Access-Control-Allow-Origin"]).toBe(WEB);
    // A page of the web origin can read how long to wait.
    expect(third.response.headers?.["Access-Control-Expose-Headers"]).toContain("Retry-After");
    expect(other.response.statusCode).toBe(200);
  });
});

describe("the order on a real route (POST /images)", () => {
  const brokenBody = { headers: { "Content-Type": "application/json" }, body: "{not json" };

  it("asks for a token before it reads the body", async () => {
    // Act
    const { response, body } = await call(createImage, request({ ...brokenBody, resource: "/images" }));
    // Assess
    expect(response.statusCode).toBe(401);
    expect(body.error.code).toBe("unauthorized");
    expect(response.headers?.["WWW-Authenticate"]).toBe("Bearer");
  });

  it("refuses a token signed by another key as an invalid token", async () => {
    // Prepare
    const stranger = await generateKeyPair("ES256");
    const headers = {
      ...brokenBody.headers,
      authorization: `Bearer ${await sign("alice", stranger.privateKey)}`,
    };
    // Act
    const { response, body } = await call(createImage, request({ ...brokenBody, headers }));
    // Assess
    expect(response.statusCode).toBe(401);
    expect(body.error.code).toBe("unauthorized");
    expect(response.headers?.["WWW-Authenticate"]).toBe('Bearer error="invalid_token"');
  });

  it("takes from the rate limit before it reads the body: with the table out, a bad body is a 500", async () => {
    // Prepare
    const headers = { ...brokenBody.headers, Authorization: `Bearer ${await sign("alice")}` };
    // Act
    const { response, body, logs } = await call(createImage, request({ ...brokenBody, headers }));
    // Assess
    expect(response.statusCode).toBe(500);
    expect(body.error.code).toBe("internal_error");
    expect(logs.find((line) => line.message === "request failed")).toMatchObject({
      requestId: "api-req-1",
      userId: "alice",
    });
  });
});
