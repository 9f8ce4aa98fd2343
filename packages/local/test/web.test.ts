/**
 * The local web server's dev sign-in (`POST /dev/token`) against DNS rebinding and cross-site forms:
 * only this server's own loopback `Host`, a matching `Origin` when one is sent, and a JSON body.
 * Requests go over a real socket with `node:http`, which, unlike fetch, lets a test forge `Host`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveWeb, type WebServer } from "../src/web.js";

let web: WebServer;
let home: string;
let port: number;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "picstack-web-"));
  web = await serveWeb({ port: 0, apiUrl: "http://127.0.0.1:1/api", home });
  port = Number(new URL(web.url).port);
});

afterAll(async () => {
  await web.close();
  await rm(home, { recursive: true, force: true });
});

function post(headers: Record<string, string>, body: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/dev/token", method: "POST", headers, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const json = JSON.stringify({ userId: "alice" });

describe("POST /dev/token", () => {
  it("issues a token for the gallery's own request (loopback Host, same Origin, JSON)", async () => {
    // Act
    const answer = await post(
      { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}`, "Content-Type": "application/json" },
      json,
    );
    // Assess
    expect(answer.status).toBe(200);
    const { token, userId } = answer.json as { token: string; userId: string };
    expect(userId).toBe("alice");
    expect(decodeJwt(token).sub).toBe("alice");
  });

  it("issues a token on localhost:<port> and without an Origin (a script on this machine)", async () => {
    // Act
    const local = await post(
      { Host: `localhost:${port}`, "Content-Type": "application/json; charset=utf-8" },
      json,
    );
    // Assess
    expect(local.status).toBe(200);
  });

  it.each([
    ["a rebound DNS name with its matching Origin", "evil.example", "http://evil.example"],
    ["a rebound DNS name on this port", `evil.example:${port}`, `http://evil.example:${port}`],
    ["this address on another port", `127.0.0.1:${port + 1}`, `http://127.0.0.1:${port + 1}`],
    ["this Host with another site's Origin", `127.0.0.1:${port}`, "http://evil.example"],
  ])("refuses %s with a JSON 403", async (_, host, origin) => {
    // Act
    const answer = await post({ Host: host, Origin: origin, "Content-Type": "application/json" }, json);
    // Assess
    expect(answer).toEqual({
      status: 403,
      json: { error: { code: "forbidden", message: expect.any(String) } },
    });
  });

  it.each([
    ["a form-encoded body", "application/x-www-form-urlencoded", "userId=alice"],
    ["a text/plain body (what a cross-site form can send)", "text/plain", json],
    ["no Content-Type", undefined, json],
  ])("refuses %s with a JSON 415", async (_, type, body) => {
    // Act
    const answer = await post(
      {
        Host: `127.0.0.1:${port}`,
        Origin: `http://127.0.0.1:${port}`,
        ...(type ? { "Content-Type": type } : {}),
      },
      body,
    );
    // Assess
    expect(answer).toEqual({
      status: 415,
      json: { error: { code: "unsupported_media_type", message: expect.any(String) } },
    });
  });

  it.each(["alice#beach", "a b", "a/b", "x".repeat(129)])(
    "refuses the user id %j with a JSON 400",
    async (userId) => {
      // Act
      const answer = await post(
        { Host: `127.0.0.1:${port}`, "Content-Type": "application/json" },
        JSON.stringify({ userId }),
      );
      // Assess
      expect(answer).toEqual({
        status: 400,
        json: { error: { code: "validation_error", message: expect.any(String) } },
      });
    },
  );
});
