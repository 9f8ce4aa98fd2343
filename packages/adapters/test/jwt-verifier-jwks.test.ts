/**
 * A key service (JWKS URL) that is down, hangs, fails or answers garbage: `AuthUnavailableError`, not a
 * verdict on the token; once it answers again, a valid token verifies (no failure is kept).
 * The key service is a local HTTP server, the one true external edge here.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthUnavailableError, createJwtVerifier, InvalidTokenError } from "../src/jwt-verifier.js";

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

const ISSUER = "https://issuer.test";
const AUDIENCE = "picstack-test";

type Mode = "valid" | "hang" | "error" | "garbage" | "not-a-key-set";

let privateKey: PrivateKey;
let publicJwk: JWK;
let server: Server;
let jwksUrl: string;
const state: { mode: Mode; requests: number } = { mode: "valid", requests: 0 };

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  server = createServer((_, res) => {
    state.requests++;
    if (state.mode === "hang") return; // never answers
    if (state.mode === "error") {
      res.writeHead(500, { "Content-Type": "text/plain" }).end("internal error");
    } else if (state.mode === "garbage") {
      res.writeHead(200, { "Content-Type": "application/json" }).end("<html>not json");
    } else if (state.mode === "not-a-key-set") {
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"keys":"none"}');
    } else {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ keys: [publicJwk] }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const token = (kid = "k1") =>
  new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid })
    .setSubject("alice")
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(privateKey);

/** A fresh verifier each time, so nothing fetched by an earlier test is cached. */
const verifier = (url = jwksUrl) =>
  createJwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: url, jwksTimeoutMs: 300 });

async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}/jwks.json`;
}

describe("JWT verifier with a remote JWKS", () => {
  it("verifies a valid token when the key service answers", async () => {
    // Prepare
    state.mode = "valid";
    // Act / Assess
    await expect(verifier()(await token())).resolves.toEqual({ userId: "alice" });
  });

  it("is unavailable, not invalid, when nothing listens at the JWKS URL", async () => {
    // Act
    const result = verifier(await closedPortUrl())(await token());
    // Assess
    await expect(result).rejects.toBeInstanceOf(AuthUnavailableError);
  });

  it.each([
    ["hangs past the timeout", "hang"],
    ["answers 500", "error"],
    ["answers something that is not JSON", "garbage"],
    ["answers JSON that is not a key set", "not-a-key-set"],
  ] as const)("is unavailable, not invalid, when the key service %s", async (_, mode) => {
    // Prepare
    state.mode = mode;
    const started = Date.now();
    // Act
    const result = verifier()(await token());
    // Assess
    await expect(result).rejects.toBeInstanceOf(AuthUnavailableError);
    await expect(result).rejects.toMatchObject({ retryAfterSeconds: expect.any(Number) });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("verifies again, with the same verifier, once the key service recovers", async () => {
    // Prepare
    const verify = verifier();
    const jwt = await token();
    state.mode = "error";
    await expect(verify(jwt)).rejects.toBeInstanceOf(AuthUnavailableError);
    state.mode = "hang";
    await expect(verify(jwt)).rejects.toBeInstanceOf(AuthUnavailableError);
    // Act
    state.mode = "valid";
    const before = state.requests;
    const result = await verify(jwt);
    // Assess
    expect(result).toEqual({ userId: "alice" });
    expect(state.requests).toBe(before + 1);
  });

  it("still refuses a token whose kid the key service does not know, as invalid", async () => {
    // Prepare
    state.mode = "valid";
    // Act
    const result = verifier()(await token("unknown-kid"));
    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidTokenError);
  });
});
