import { exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createJwtVerifier, InvalidTokenError, type TokenVerifier } from "../src/jwt-verifier.js";

const ISSUER = "https://issuer.test";
const AUDIENCE = "picstack-test";

let privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
let publicJwk: JWK;
let verify: TokenVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256" };
  verify = createJwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [publicJwk] } });
});

function token(claims: Record<string, unknown> = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE);
}

describe("JWT verifier", () => {
  it("accepts a valid token and returns its subject as the user id", async () => {
    const jwt = await token().setSubject("alice").setIssuedAt().setExpirationTime("5m").sign(privateKey);
    await expect(verify(jwt)).resolves.toEqual({ userId: "alice" });
  });

  it.each([
    [
      "expired",
      () =>
        token()
          .setSubject("a")
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60),
    ],
    ["not yet valid", () => token().setSubject("a").setExpirationTime("5m").setNotBefore("2h")],
    ["without a subject", () => token().setExpirationTime("5m")],
    ["without an expiry", () => token().setSubject("a")],
    ["for another audience", () => token().setSubject("a").setExpirationTime("5m").setAudience("other")],
    [
      "from another issuer",
      () => token().setSubject("a").setExpirationTime("5m").setIssuer("https://evil.test"),
    ],
  ])("rejects a token %s", async (_, build) => {
    const jwt = await build().sign(privateKey);
    await expect(verify(jwt)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it("rejects alg none and an HMAC token keyed with the public key", async () => {
    const unsigned = new UnsecuredJWT({ sub: "a" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .encode();
    const hmacKey = new TextEncoder().encode(JSON.stringify(publicJwk));
    const hmac = await new SignJWT({ sub: "a" })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(hmacKey);
    await expect(verify(unsigned)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(verify(hmac)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it("rejects a token signed by another key", async () => {
    const other = await generateKeyPair("ES256");
    const jwt = await token().setSubject("a").setExpirationTime("5m").sign(other.privateKey);
    await expect(verify(jwt)).rejects.toBeInstanceOf(InvalidTokenError);
  });
});
