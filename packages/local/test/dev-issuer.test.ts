/** The dev issuer (behind `npm run token` and the gallery's sign-in) signs only user ids the API accepts. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDevToken } from "../src/dev-issuer.js";

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
