/** The JWT verifier's edges: algorithms, clock tolerance, subjects and malformed input. */
import { exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createJwtVerifier, InvalidTokenError, type TokenVerifier } from "../src/jwt-verifier.js";

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

async function rejectionOf(token: string, verifier = verify): Promise<InvalidTokenError> {
  try {
    await verifier(token);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return error as InvalidTokenError;
  }
  throw new Error("expected the token to be rejected");
}

describe("JWT verifier: accepted tokens", () => {
  it("accepts ES256 and RS256 tokens and returns the subject as the user id", async () => {
    // Prepare
    const es = await claims()
      .setSubject("user-es")
      .setExpirationTime("5m")
      .setProtectedHeader({ alg: "ES256", kid: "es" })
      .sign(es256.privateKey);
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

  it("accepts a subject of 128 characters", async () => {
    // Prepare
    const sub = "s".repeat(128);
    const jwt = await claims()
      .setSubject(sub)
      .setExpirationTime("5m")
      .setProtectedHeader({ alg: "ES256", kid: "es" })
      .sign(es256.privateKey);
    // Act / Assess
    await expect(verify(jwt)).resolves.toEqual({ userId: sub });
  });
});

describe("JWT verifier: rejected tokens", () => {
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
    ["a sub over 128 characters", () => claims().setSubject("s".repeat(129)).setExpirationTime("5m")],
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

  it("rejects a token whose payload was altered after signing", async () => {
    // Prepare
    const jwt = await claims()
      .setSubject("alice")
      .setExpirationTime("5m")
      .setProtectedHeader({ alg: "ES256", kid: "es" })
      .sign(es256.privateKey);
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

describe("createJwtVerifier", () => {
  it("refuses to build without a key source", () => {
    // Act / Assess
    expect(() => createJwtVerifier({ issuer: ISSUER, audience: AUDIENCE })).toThrow(/JWKS/);
  });
});
