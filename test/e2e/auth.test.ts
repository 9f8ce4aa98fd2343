/** Bearer tokens through API Gateway and the auth middleware: every bad token is a JSON 401. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DEV_AUDIENCE, DEV_ISSUER } from "@picstack/local";
import { importJWK, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { api, expectError, tokenFor } from "./helpers.js";

let privateJwk: JWK & { kid: string };
let publicJwk: JWK;

beforeAll(async () => {
  await tokenFor("warm-up"); // makes sure the dev key exists
  const stored = JSON.parse(await readFile(join(inject("home"), "dev-issuer", "key.json"), "utf8"));
  privateJwk = stored.privateJwk;
  publicJwk = stored.publicJwk;
});

async function signed(build: (jwt: SignJWT) => SignJWT): Promise<string> {
  const key = await importJWK(privateJwk, "ES256");
  const base = new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: privateJwk.kid }).setIssuedAt();
  return build(base).sign(key);
}

const valid = (jwt: SignJWT) =>
  jwt.setSubject("auth-user").setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setExpirationTime("5m");

describe("bearer tokens", () => {
  it("accepts a token from the dev issuer", async () => {
    const token = await signed(valid);
    expect((await api("GET", "/images?limit=1", { token })).status).toBe(200);
  });

  it.each([
    ["expired", (j: SignJWT) => valid(j).setExpirationTime(Math.floor(Date.now() / 1000) - 120)],
    ["not yet valid", (j: SignJWT) => valid(j).setNotBefore("1h")],
    ["from another issuer", (j: SignJWT) => valid(j).setIssuer("https://elsewhere.example")],
    ["for another audience", (j: SignJWT) => valid(j).setAudience("another-app")],
    [
      "without a subject",
      (j: SignJWT) => j.setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setExpirationTime("5m"),
    ],
  ])("refuses a token %s", async (_, build) => {
    expectError(await api("GET", "/images", { token: await signed(build) }), 401, "unauthorized");
  });

  it("refuses alg none and an HS256 token keyed with the public key", async () => {
    const none = new UnsecuredJWT({ sub: "x" })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setExpirationTime("5m")
      .encode();
    const hs256 = await new SignJWT({ sub: "x" })
      .setProtectedHeader({ alg: "HS256", kid: privateJwk.kid })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    expectError(await api("GET", "/images", { token: none }), 401, "unauthorized");
    expectError(await api("GET", "/images", { token: hs256 }), 401, "unauthorized");
  });

  it("refuses malformed and oversized Authorization headers", async () => {
    for (const header of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.jwt", `Bearer ${"a".repeat(9000)}`]) {
      expectError(await api("GET", "/images", { headers: { Authorization: header } }), 401, "unauthorized");
    }
  });
});
