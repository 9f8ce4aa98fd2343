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
    // The subject is the user id and part of table keys (`{sub}#{tag}`): [A-Za-z0-9._@:-]{1,128} only.
    ["subject with # (the key separator)", await sign({ ...good, sub: "token-user#beach" })],
    ["subject with a newline", await sign({ ...good, sub: "token-user\nadmin" })],
    ["subject with a space", await sign({ ...good, sub: "token user" })],
    ["subject with /", await sign({ ...good, sub: "token/user" })],
    ["subject of 129 characters", await sign({ ...good, sub: "u".repeat(129) })],
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
  for (const [name, sub] of [
    ["a plain name", "alice"],
    ["a Cognito user id (UUID)", "3f1c2a9e-7b4d-4e8a-9c51-0d2e6f7a8b90"],
    ["every allowed punctuation mark", "a.b@c.d:e-f_g"],
  ] as const) {
    await report.check(CATEGORY, `subject accepted: ${name}`, async () => {
      const answer = await ctx.call("GET", "/images", { token: await sign({ ...good, sub }) });
      if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
      return "200";
    });
  }
}
