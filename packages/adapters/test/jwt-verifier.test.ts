/**
 * The JWT verifier: the tokens it accepts, the ones it refuses (algorithms, claims, clock tolerance,
 * subjects, malformed input), and a key service (JWKS URL) that is down, hangs, fails or answers
 * garbage: `AuthUnavailableError`, not a verdict on the token. The key service is a local HTTP server,
 * the one true external edge here.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthUnavailableError,
  createJwtVerifier,
  InvalidTokenError,
  type TokenVerifier,
} from "../src/jwt-verifier.js";

const ISSUER = "https://issuer.test/pool";
const AUDIENCE = "picstack-client";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

let es256: KeyPair;
let rs256: KeyPair;
let es384: KeyPair;
let jwks: { keys: JWK[] };
let verify: TokenVerifier;

beforeAll(async () => {
  [es256, rs256, es384] = await Promise.all([
    generateKeyPair("ES256", { extractable: true }),
    generateKeyPair("RS256", { extractable: true }),
    generateKeyPair("ES384", { extractable: true }),
  ]);
  jwks = {
    keys: [
      { ...(await exportJWK(es256.publicKey)), kid: "es", alg: "ES256", use: "sig" },
      { ...(await exportJWK(rs256.publicKey)), kid: "rs", alg: "RS256", use: "sig" },
      { ...(await exportJWK(es384.publicKey)), kid: "es384", alg: "ES384", use: "sig" },
    ],
  };
  verify = createJwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks });
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

function claims(extra: Record<string, unknown> = {}) {
  return new SignJWT({ ...extra }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt();
}

/** A valid ES256 token for `sub`. */
const tokenFor = (sub: string, kid = "es") =>
  claims()
    .setSubject(sub)
    .setExpirationTime("5m")
    .setProtectedHeader({ alg: "ES256", kid })
    .sign(es256.privateKey);

async function rejectionOf(token: string, verifier = verify): Promise<InvalidTokenError> {
  try {
    await verifier(token);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return error as InvalidTokenError;
  }
  throw new Error("expected the token to be rejected");
}

describe("accepted tokens", () => {
  it("accepts ES256 and RS256 tokens and returns the subject as the user id", async () => {
    // Prepare
    const es = await tokenFor("user-es");
    const rs = await claims()
      .setSubject("user-rs")
      .setExpirationTime("5m")
      .setProtectedHeader({ alg: "RS256", kid: "rs" })
      .sign(rs256.privateKey);
    // Act / Assess
    await expect(verify(es)).resolves.toEqual({ userId: "user-es" });
    await expect(verify(rs)).resolves.toEqual({ userId: "user-rs" });
  });

  it("accepts a token whose audience list includes ours", async () => {
    // Prepare
    const jwt = await claims()
      .setAudience(["other-app", AUDIENCE])
      .setSubject("alice")
      .setExpirationTime("5m")
      .setProtectedHeader({ alg: "ES256", kid: "es" })
      .sign(es256.privateKey);
    // Act / Assess
    await expect(verify(jwt)).resolves.toEqual({ userId: "alice" });
  });

  it("tolerates 5 s of clock skew on exp by default, and none when configured so", async () => {
    // Prepare
    const jwt = await claims()
      .setSubject("alice")
      .setExpirationTime(nowSeconds() - 2)
      .setProtectedHeader({ alg: "ES256", kid: "es" })
      .sign(es256.privateKey);
    const strict = createJwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks, clockToleranceSeconds: 0 });
    // Act / Assess
    await expect(verify(jwt)).resolves.toEqual({ userId: "alice" });
    const error = await rejectionOf(jwt, strict);
    expect(error.reason).toBe("The token has expired");
  });
});

describe("rejected tokens", () => {
  it("rejects a token issued in the future beyond the clock tolerance", async () => {
    // Prepare
    const sign = (iat: number) =>
      claims()
        .setSubject("u")
        .setIssuedAt(iat)
        .setExpirationTime(iat + 600)
        .setProtectedHeader({ alg: "ES256", kid: "es" })
        .sign(es256.privateKey);
    // Act
    const future = await rejectionOf(await sign(nowSeconds() + 3600));
    // Assess
    expect(future.message).toBe("The token was issued in the future");
    await expect(verify(await sign(nowSeconds() + 2))).resolves.toEqual({ userId: "u" });
  });

  it("says an expired token has expired and other failures only that the token is not valid", async () => {
    // Prepare
    const expired = await claims()
      .setSubject("a")
      .setExpirationTime(nowSeconds() - 120)
      .setProtectedHeader({ alg: "ES256", kid: "es" })
      .sign(es256.privateKey);
    const wrongIssuer = await claims()
      .setIssuer("https://evil.test")
      .setSubject("a")
      .setExpirationTime("5m")
      .setProtectedHeader({ alg: "ES256", kid: "es" })
      .sign(es256.privateKey);
    // Act
    const expiredError = await rejectionOf(expired);
    const issuerError = await rejectionOf(wrongIssuer);
    // Assess
    expect(expiredError.reason).toBe("The token has expired");
    expect(issuerError.reason).toBe("The token is not valid");
    expect(issuerError.message).not.toContain("evil");
  });

  it.each([
    ["a wrong audience", () => claims().setAudience("someone-else").setSubject("a").setExpirationTime("5m")],
    ["a wrong issuer", () => claims().setIssuer(`${ISSUER}/`).setSubject("a").setExpirationTime("5m")],
    [
      "nbf in the future",
      () =>
        claims()
          .setSubject("a")
          .setExpirationTime("1h")
          .setNotBefore(nowSeconds() + 600),
    ],
    ["no sub", () => claims().setExpirationTime("5m")],
    ["an empty sub", () => claims().setSubject("").setExpirationTime("5m")],
    ["a non-string sub", () => claims({ sub: 42 }).setExpirationTime("5m")],
    ["no exp", () => claims().setSubject("a")],
  ])("rejects a validly signed token with %s", async (_, build) => {
    // Prepare
    const jwt = await build().setProtectedHeader({ alg: "ES256", kid: "es" }).sign(es256.privateKey);
    // Act / Assess
    await rejectionOf(jwt);
  });

  it("rejects an unsigned alg:none token", async () => {
    // Prepare
    const jwt = new UnsecuredJWT({ sub: "alice" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .encode();
    // Act / Assess
    expect(jwt.endsWith(".")).toBe(true);
    await rejectionOf(jwt);
  });

  it("rejects an HS256 token, even one keyed with the public key's bytes", async () => {
    // Prepare
    const publicJwk = jwks.keys[0] as JWK;
    const secrets = [
      new TextEncoder().encode(JSON.stringify(publicJwk)),
      new TextEncoder().encode("x".repeat(32)),
    ];
    // Act / Assess
    for (const secret of secrets) {
      const jwt = await claims()
        .setSubject("alice")
        .setExpirationTime("5m")
        .setProtectedHeader({ alg: "HS256", kid: "es" })
        .sign(secret);
      await rejectionOf(jwt);
    }
  });

  it("rejects ES384, an algorithm outside the accepted list, even with its key in the JWKS", async () => {
    // Prepare
    const jwt = await claims()
      .setSubject("alice")
      .setExpirationTime("5m")
      .setProtectedHeader({ alg: "ES384", kid: "es384" })
      .sign(es384.privateKey);
    // Act / Assess
    await rejectionOf(jwt);
  });

  it("rejects a token whose kid is not in the JWKS", async () => {
    // Prepare
    const stranger = await generateKeyPair("ES256");
    const jwt = await claims()
      .setSubject("alice")
      .setExpirationTime("5m")
      .setProtectedHeader({ alg: "ES256", kid: "unknown" })
      .sign(stranger.privateKey);
    // Act / Assess
    await rejectionOf(jwt);
  });

  it("rejects a token signed by another key under a known kid", async () => {
    // Prepare
    const stranger = await generateKeyPair("ES256");
    const jwt = await claims()
      .setSubject("alice")
      .setExpirationTime("5m")
      .setProtectedHeader({ alg: "ES256", kid: "es" })
      .sign(stranger.privateKey);
    // Act / Assess
    await rejectionOf(jwt);
  });

  it("rejects a token whose payload was altered after signing", async () => {
    // Prepare
    const jwt = await tokenFor("alice");
    const [header, payload, signature] = jwt.split(".") as [string, string, string];
    const claimsObject = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const forged = Buffer.from(JSON.stringify({ ...claimsObject, sub: "admin" })).toString("base64url");
    // Act / Assess
    await rejectionOf(`${header}.${forged}.${signature}`);
  });

  it.each(["", "not-a-jwt", "a.b.c", "Bearer x.y.z"])("rejects the malformed token %j", async (token) => {
    // Act / Assess
    await rejectionOf(token);
  });
});

// The subject is the user id and part of table keys (`{sub}#{tag}`): only 1–128 characters of
// `[A-Za-z0-9._@:-]` are accepted.
describe("subjects", () => {
  it.each([
    ["a plain name", "alice"],
    ["a Cognito user id (UUID)", "3f1c2a9e-7b4d-4e8a-9c51-0d2e6f7a8b90"],
    ["every allowed punctuation mark", "a.b@c.d:e-f_g"],
    ["128 characters", "x".repeat(128)],
  ])("accepts %s", async (_, sub) => {
    // Act / Assess
    await expect(verify(await tokenFor(sub))).resolves.toEqual({ userId: sub });
  });

  it.each([
    ["a # (the key separator)", "alice#beach"],
    ["a newline", "alice\nbob"],
    ["a space", "alice smith"],
    ["a /", "alice/bob"],
    ["129 characters", "x".repeat(129)],
    ["a non-ASCII letter", "zoë"],
  ])("refuses a subject with %s", async (_, sub) => {
    // Act
    const error = await rejectionOf(await tokenFor(sub));
    // Assess
    expect(error.reason).toBe("The token has no usable subject");
  });
});

describe("a remote key set (JWKS URL)", () => {
  type Mode = "valid" | "hang" | "error" | "garbage" | "not-a-key-set";
  const state: { mode: Mode; requests: number } = { mode: "valid", requests: 0 };
  let server: Server;
  let jwksUrl: string;

  beforeAll(async () => {
    const publicJwk = jwks.keys[0] as JWK;
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

  /** A fresh verifier each time, so nothing fetched by an earlier test is cached. */
  const remote = (url = jwksUrl) =>
    createJwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: url, jwksTimeoutMs: 300 });

  async function closedPortUrl(): Promise<string> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return `http://127.0.0.1:${port}/jwks.json`;
  }

  it("verifies a valid token when the key service answers", async () => {
    // Prepare
    state.mode = "valid";
    // Act / Assess
    await expect(remote()(await tokenFor("alice"))).resolves.toEqual({ userId: "alice" });
  });

  it("is unavailable, not invalid, when nothing listens at the JWKS URL", async () => {
    // Act
    const result = remote(await closedPortUrl())(await tokenFor("alice"));
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
    const result = remote()(await tokenFor("alice"));
    // Assess
    await expect(result).rejects.toBeInstanceOf(AuthUnavailableError);
    await expect(result).rejects.toMatchObject({ retryAfterSeconds: expect.any(Number) });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("verifies again, with the same verifier, once the key service recovers", async () => {
    // Prepare
    const verifier = remote();
    const jwt = await tokenFor("alice");
    state.mode = "error";
    await expect(verifier(jwt)).rejects.toBeInstanceOf(AuthUnavailableError);
    state.mode = "hang";
    await expect(verifier(jwt)).rejects.toBeInstanceOf(AuthUnavailableError);
    // Act
    state.mode = "valid";
    const before = state.requests;
    const result = await verifier(jwt);
    // Assess
    expect(result).toEqual({ userId: "alice" });
    expect(state.requests).toBe(before + 1);
  });

  it("still refuses a token whose kid the key service does not know, as invalid", async () => {
    // Prepare
    state.mode = "valid";
    // Act
    const result = remote()(await tokenFor("alice", "unknown-kid"));
    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidTokenError);
  });
});

describe("createJwtVerifier", () => {
  it("refuses to build without a key source", () => {
    // Act / Assess
    expect(() => createJwtVerifier({ issuer: ISSUER, audience: AUDIENCE })).toThrow(/JWKS/);
  });
});
