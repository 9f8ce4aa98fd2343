/** The CLI signs dev tokens (`picstack token`, `--user`) only for user ids the API accepts. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEV_AUDIENCE, DEV_ISSUER, signDevToken as issuerSign } from "@picstack/local";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDevToken } from "../src/connection.js";
import { CliError } from "../src/output.js";

let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "picstack-cli-"));
  await issuerSign("warm-up", { home }); // makes the dev key
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("CLI signDevToken", () => {
  it.each(["alice", "3f1c2a9e-7b4d-4e8a-9c51-0d2e6f7a8b90", "a.b@c.d:e-f_g"])("signs %j", (userId) => {
    // Act / Assess
    expect(decodeJwt(signDevToken(userId, home)).sub).toBe(userId);
  });

  it("signs for the issuer and audience the local stack's functions accept", () => {
    // Act
    const claims = decodeJwt(signDevToken("alice", home));

    // Assess
    expect([claims.iss, claims.aud]).toEqual([DEV_ISSUER, DEV_AUDIENCE]);
  });

  it("refuses a key file that does not name its issuer, asking for a restart of the local stack", async () => {
    // Prepare: a key file as written before it named the issuer.
    const old = await mkdtemp(join(tmpdir(), "picstack-cli-old-"));
    const {
      issuer: _issuer,
      audience: _audience,
      ...key
    } = JSON.parse(await readFile(join(home, "dev-issuer", "key.json"), "utf8"));
    await mkdir(join(old, "dev-issuer"));
    await writeFile(join(old, "dev-issuer", "key.json"), JSON.stringify(key));

    // Act
    const sign = () => signDevToken("alice", old);

    // Assess
    expect(sign).toThrow(CliError);
    expect(sign).toThrow(/start the local stack again/);
    await rm(old, { recursive: true, force: true });
  });

  it.each(["", "alice#beach", "alice\nbob", "a b", "a/b", "x".repeat(129)])(
    "refuses %j as a usage error (exit 2) that says what a user id is",
    (userId) => {
      // Act
      let thrown: unknown;
      try {
        signDevToken(userId, home);
      } catch (error) {
        thrown = error;
      }
      // Assess
      expect(thrown).toBeInstanceOf(CliError);
      expect(thrown).toMatchObject({ exitCode: 2, message: expect.stringMatching(/1–128 letters/) });
    },
  );
});
