/** The dev issuer (behind `npm run token` and the gallery's sign-in) signs only user ids the API accepts. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevKey, signDevToken } from "../src/dev-issuer.js";

let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "picstack-issuer-"));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("signDevToken", () => {
  it.each(["alice", "3f1c2a9e-7b4d-4e8a-9c51-0d2e6f7a8b90", "a.b@c.d:e-f_g"])("signs %j", async (userId) => {
    // Act
    const token = await signDevToken(userId, { home });
    // Assess
    expect(decodeJwt(token).sub).toBe(userId);
  });

  it.each(["", "alice#beach", "alice\nbob", "a b", "a/b", "x".repeat(129)])(
    "refuses %j with a message that says what a user id is",
    async (userId) => {
      // Act / Assess
      await expect(signDevToken(userId, { home })).rejects.toThrow(/1–128 letters, digits or \. _ @ : -/);
    },
  );
});

describe("the dev issuer's key file", () => {
  it("names the issuer and audience of its tokens, for the CLI that signs with it too", async () => {
    // Act
    const token = decodeJwt(await signDevToken("alice", { home }));
    const file = JSON.parse(await readFile(join(home, "dev-issuer", "key.json"), "utf8"));

    // Assess
    expect([file.issuer, file.audience]).toEqual([DEV_ISSUER, DEV_AUDIENCE]);
    expect([token.iss, token.aud]).toEqual([DEV_ISSUER, DEV_AUDIENCE]);
  });

  it("gains them when written before it named them, keeping its key", async () => {
    // Prepare
    const old = await mkdtemp(join(tmpdir(), "picstack-issuer-old-"));
    const { issuer: _issuer, audience: _audience, ...key } = await loadOrCreateDevKey(home);
    await mkdir(join(old, "dev-issuer"));
    await writeFile(join(old, "dev-issuer", "key.json"), JSON.stringify(key));

    // Act
    const loaded = await loadOrCreateDevKey(old);
    const file = JSON.parse(await readFile(join(old, "dev-issuer", "key.json"), "utf8"));

    // Assess
    expect(loaded).toEqual({ ...key, issuer: DEV_ISSUER, audience: DEV_AUDIENCE });
    expect(file).toEqual(loaded);
    await rm(old, { recursive: true, force: true });
  });
});
