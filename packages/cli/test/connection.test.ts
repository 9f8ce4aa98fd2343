/** The CLI signs dev tokens (`picstack token`, `--user`) only for user ids the API accepts. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signDevToken as issuerSign } from "@picstack/local";
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
