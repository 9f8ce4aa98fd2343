/**
 * The CLI signs dev tokens (`picstack token`, `--user`) only for user ids the API accepts, and says
 * where it looked and what to do when nothing answers at the API's URL.
 */

import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEV_AUDIENCE, DEV_ISSUER, signDevToken as issuerSign } from "@picstack/local";
import { PicstackClient, PicstackError } from "@picstack/sdk";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explainingFetch, signDevToken, unreachableMessage } from "../src/connection.js";
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

/** A loopback port that nothing listens on: a server is opened on it, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

describe("when nothing answers at the API's URL", () => {
  it("the client's error names the URL, where it came from, the reason, and how to start the stack", async () => {
    // Prepare
    const apiUrl = `http://127.0.0.1:${await closedPort()}/restapis/abc/local/_user_request_`;
    const connection = { apiUrl, apiUrlFrom: "/home/me/picstack/.picstack/outputs.json" };
    const client = new PicstackClient({
      baseUrl: apiUrl,
      token: "t",
      fetch: explainingFetch(connection),
      retry: { retries: 0 },
    });
    // Act
    const error = await client.listImages().catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(PicstackError);
    expect((error as PicstackError).code).toBe("network_error");
    expect((error as PicstackError).message).toBe(
      `Could not reach the API: ${apiUrl} (from /home/me/picstack/.picstack/outputs.json) refused the connection: ` +
        "nothing listens there (ECONNREFUSED). Start the local stack with `npm start`, or pass --api-url or set " +
        "PICSTACK_API_URL to a running API",
    );
  });

  it("names only the origin of a storage URL, never its signature", () => {
    // Prepare
    const refused = new TypeError("fetch failed", {
      cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
    });
    // Act
    const message = unreachableMessage(
      "http://127.0.0.1:4741/bucket/key.jpg?X-Amz-Signature=secret",
      refused,
      { apiUrl: "http://127.0.0.1:4741/restapis/abc", apiUrlFrom: "--api-url" },
    );
    // Assess
    expect(message).toBe(
      "http://127.0.0.1:4741 refused the connection: nothing listens there (ECONNREFUSED)",
    );
  });

  it("says what it can of a failure with no system code", () => {
    // Act
    const message = unreachableMessage("https://api.example.com/images", new TypeError("fetch failed"), {
      apiUrl: "https://api.example.com",
      apiUrlFrom: "PICSTACK_API_URL",
    });
    // Assess
    expect(message).toMatch(
      /^https:\/\/api\.example\.com \(from PICSTACK_API_URL\) did not answer \(fetch failed\)\. Start/,
    );
  });
});
