/**
 * The token's `sub` is the user id and part of table keys (`{sub}#{tag}`): only 1–128 characters of
 * `[A-Za-z0-9._@:-]` are accepted.
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createJwtVerifier, InvalidTokenError, type TokenVerifier } from "../src/jwt-verifier.js";

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

const ISSUER = "https://issuer.test";
const AUDIENCE = "picstack-test";

let privateKey: PrivateKey;
let verify: TokenVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  privateKey = pair.privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256" };
  verify = createJwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [publicJwk] } });
});

const tokenFor = (sub: string) =>
  new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(privateKey);

describe("JWT verifier: subjects", () => {
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
    const result = verify(await tokenFor(sub));
    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(result).rejects.toMatchObject({ reason: "The token has no usable subject" });
  });
});
