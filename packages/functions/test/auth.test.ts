/**
 * The auth middleware with the key service out, through the real chain (GET /images/{id}): `503
 * auth_unavailable` with `Retry-After` and CORS headers, not a 401 that would send the user to sign in
 * again, nor a 500. The key service is a local HTTP server; nothing else is reachable, or reached.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

type Handler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

const ISSUER = "https://issuer.test";
const AUDIENCE = "aud";
const state: { mode: "valid" | "error" | "garbage" | "down" } = { mode: "valid" };

let handler: Handler;
let server: Server;
let privateKey: PrivateKey;
let publicJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  server = createServer((req, res) => {
    if (state.mode === "down") return req.socket.destroy();
    if (state.mode === "error") return res.writeHead(502).end("bad gateway");
    if (state.mode === "garbage") return res.writeHead(200).end("{ nope");
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  Object.assign(process.env, {
    PICSTACK_FUNCTION: "getImage",
    PICSTACK_STAGE: "test",
    PICSTACK_TABLE: "t",
    PICSTACK_BUCKET: "b",
    PICSTACK_WEB_ORIGIN: "http://web.test",
    PICSTACK_AUTH_ISSUER: ISSUER,
    PICSTACK_AUTH_AUDIENCE: AUDIENCE,
    PICSTACK_AUTH_JWKS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    AWS_ENDPOINT_URL: "http://127.0.0.1:1",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_MAX_ATTEMPTS: "1",
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  ({ handler } = (await import("../src/http/get-image.js")) as unknown as { handler: Handler });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function call(token: string) {
  const event = {
    httpMethod: "GET",
    resource: "/images/{id}",
    path: "/images/01m819gdvpkk9mqydbm4k3rth7",
    pathParameters: { id: "01m819gdvpkk9mqydbm4k3rth7" },
    headers: { Authorization: `Bearer ${token}` },
    requestContext: { requestId: "r-1" },
  } as unknown as APIGatewayProxyEvent;
  return handler(event, { functionName: "getImage", awsRequestId: "r-1" } as Context);
}

const sign = (key: PrivateKey = privateKey) =>
  new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setSubject("alice")
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);

describe("auth middleware when the key service is out", () => {
  it.each([
    ["closes the connection", "down"],
    ["answers 502", "error"],
    ["answers garbage", "garbage"],
  ] as const)("answers 503 auth_unavailable with Retry-After when the key service %s", async (_, mode) => {
    // Prepare
    state.mode = mode;
    // Act
    const response = await call(await sign());
    // Assess
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: "auth_unavailable", message: expect.any(String) },
    });
    expect(Number(response.headers?.["Retry-After"])).toBeGreaterThanOrEqual(1);
    expect(response.headers?.["Access-Control-Allow-Origin"]).toBe("http://web.test");
  });

  it("judges the token again once the key service is back: a forged one is a 401", async () => {
    // Prepare
    state.mode = "error";
    expect((await call(await sign())).statusCode).toBe(503);
    state.mode = "valid";
    const stranger = await generateKeyPair("ES256");
    // Act
    const response = await call(await sign(stranger.privateKey));
    // Assess
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body).error.code).toBe("unauthorized");
  });
});
