/** Bearer tokens an attacker might try. Every one must be refused with a JSON 401. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DEV_AUDIENCE, DEV_ISSUER } from "@picstack/local";
import { importJWK, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { type Context, expectJsonError } from "./context.js";
import type { Report } from "./harness.js";

const CATEGORY = "Tokens";

export async function tokens(ctx: Context, report: Report): Promise<void> {
  await ctx.token("warm-up");
  const stored = JSON.parse(await readFile(join(ctx.home, "dev-issuer", "key.json"), "utf8")) as {
    privateJwk: JWK & { kid: string };
    publicJwk: JWK;
  };
  const key = await importJWK(stored.privateJwk, "ES256");
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: stored.privateJwk.kid, ...header }).sign(key);
  const good = { sub: "token-user", iss: DEV_ISSUER, aud: DEV_AUDIENCE, iat: now, exp: now + 300 };
  const publicPem = JSON.stringify(stored.publicJwk);
  const hmacWithPublicKey = await new SignJWT(good)
    .setProtectedHeader({ alg: "HS256", kid: stored.privateJwk.kid })
    .sign(new TextEncoder().encode(publicPem));
  const otherKey = await (async () => {
    const { generateKeyPair } = await import("jose");
    const pair = await generateKeyPair("ES256");
    return new SignJWT(good)
      .setProtectedHeader({ alg: "ES256", kid: stored.privateJwk.kid })
      .sign(pair.privateKey);
  })();
  const valid = await sign(good);
  const [header, payload, signature] = valid.split(".") as [string, string, string];
  const tamperedPayload = Buffer.from(JSON.stringify({ ...good, sub: "someone-else" })).toString("base64url");

  const cases: Array<[string, string]> = [
    ["alg none", new UnsecuredJWT(good).encode()],
    [
      "alg none, signature kept",
      `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.${signature}`,
    ],
    ["HS256 keyed with the public key", hmacWithPublicKey],
    ["signed by another key with our kid", otherKey],
    ["payload changed after signing", `${header}.${tamperedPayload}.${signature}`],
    ["signature stripped", `${header}.${payload}.`],
    ["expired", await sign({ ...good, exp: now - 60 })],
    ["not yet valid", await sign({ ...good, nbf: now + 3600 })],
    ["issued in the future", await sign({ ...good, iat: now + 3600 })],
    ["wrong issuer", await sign({ ...good, iss: "https://evil.example/issuer" })],
    ["wrong audience", await sign({ ...good, aud: "someone-else" })],
    ["no audience", await sign({ ...good, aud: undefined })],
    ["no subject", await sign({ ...good, sub: undefined })],
    ["empty subject", await sign({ ...good, sub: "" })],
    ["no expiry", await sign({ ...good, exp: undefined })],
    ["unknown kid", await sign(good, { kid: "not-a-key" })],
    ["oversized (over 8 KiB)", await sign({ ...good, pad: "x".repeat(7 * 1024) })],
    ["jku header pointing elsewhere", await sign(good, { jku: "http://127.0.0.1:1/jwks.json", kid: "evil" })],
  ];
  for (const [name, token] of cases) {
    await report.check(CATEGORY, name, async () =>
      expectJsonError(await ctx.call("GET", "/images", { token }), [401]),
    );
  }
  await report.check(CATEGORY, "a valid token still works", async () => {
    const answer = await ctx.call("GET", "/images", { token: valid });
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
    return "200";
  });
}
