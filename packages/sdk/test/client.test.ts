/**
 * The client's behaviour against a scripted HTTP server on loopback: error mapping, retries and
 * backoff, cursor iteration, waiting, and uploads with progress. The real API is exercised by the
 * e2e tests (test/e2e/sdk.test.ts).
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  assertUploadAllowed,
  DEFAULT_MAX_UPLOAD_BYTES as SERVER_DEFAULT_MAX,
  ALLOWED_CONTENT_TYPES as SERVER_TYPES,
} from "@picstack/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  checkFile,
  contentTypeFor,
  FileRejectedError,
  fileSha256,
  type Image,
  ImageFailedError,
  PicstackClient,
  PicstackError,
  SemanticUnavailableError,
  UploadError,
  WaitTimeoutError,
} from "../src/index.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

type Route = (seen: Seen, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let routes: Route[];
let seen: Seen[];

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

const image = (over: Partial<Image> = {}): Image => ({
  id: "img1",
  status: "pending",
  filename: "a.jpg",
  contentType: "image/jpeg",
  size: 3,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  tags: [],
  note: null,
  analysis: { status: "pending", tags: [] },
  ...over,
});

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      seen.push(entry);
      const route = routes.shift();
      if (!route) return json(res, 599, { error: { code: "unscripted", message: "no route" } });
      route(entry, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  routes = [];
  seen = [];
});

const client = (token: string | (() => Promise<string>) = "t0k") =>
  new PicstackClient({ baseUrl: `${baseUrl}/`, token, retry: { baseDelayMs: 1, maxDelayMs: 5 } });

describe("API errors", () => {
  it("become PicstackError with the API's status, code and message", async () => {
    routes.push((_, res) =>
      json(res, 404, { error: { code: "image_not_found", message: "No image with that id" } }),
    );
    const error = await client()
      .getImage("nope")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PicstackError);
    expect(error).toMatchObject({ status: 404, code: "image_not_found", message: "No image with that id" });
  });

  it("keeps validation details and falls back to http_<status> for non-JSON answers", async () => {
    routes.push((_, res) =>
      json(res, 400, { error: { code: "validation_error", message: "bad", details: [{ path: ["size"] }] } }),
    );
    await expect(
      client().createImage({ filename: "a", contentType: "image/png", size: 0 }),
    ).rejects.toMatchObject({
      code: "validation_error",
      details: [{ path: ["size"] }],
    });
    routes.push((_, res) => {
      res.writeHead(502, { "Content-Type": "text/html" });
      res.end("<html>Bad gateway</html>");
    });
    await expect(
      client().createImage({ filename: "a", contentType: "image/png", size: 1 }),
    ).rejects.toMatchObject({
      status: 502,
      code: "http_502",
    });
  });

  it("sends the bearer token from a string or a function, and encodes ids in paths", async () => {
    routes.push((_, res) => json(res, 200, image()));
    await client(async () => "fresh").getImage("a/b c");
    expect(seen[0]?.headers.authorization).toBe("Bearer fresh");
    expect(seen[0]?.url).toBe("/images/a%2Fb%20c");
  });
});

describe("retries", () => {
  it("waits out a 429 for every method and then succeeds", async () => {
    routes.push((_, res) =>
      json(res, 429, { error: { code: "rate_limited", message: "slow down" } }, { "Retry-After": "0" }),
    );
    routes.push((_, res) =>
      json(res, 201, { image: image(), upload: { method: "PUT", url: "x", expiresAt: "y" } }),
    );
    const created = await client().createImage({ filename: "a.jpg", contentType: "image/jpeg", size: 3 });
    expect(created.image.id).toBe("img1");
    expect(seen.map((s) => s.method)).toEqual(["POST", "POST"]);
  });

  it("retries 429s as often as rateLimitedRetries says, apart from the other retries", async () => {
    const limited: Route = (_, res) =>
      json(res, 429, { error: { code: "rate_limited", message: "slow down" } }, { "Retry-After": "0" });
    for (let i = 0; i < 8; i++) routes.push(limited);
    routes.push((_, res) =>
      json(res, 201, { image: image(), upload: { method: "PUT", url: "x", expiresAt: "y" } }),
    );
    const patient = new PicstackClient({
      baseUrl,
      token: "t",
      retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 5, rateLimitedRetries: 10 },
    });
    const created = await patient.createImage({ filename: "a.jpg", contentType: "image/jpeg", size: 3 });
    expect(created.image.id).toBe("img1");
    expect(seen).toHaveLength(9);

    // By default a 429 gets `retries` attempts, then its error reaches the caller.
    seen = [];
    routes = [];
    for (let i = 0; i < 4; i++) routes.push(limited);
    await expect(client().getImage("img1")).rejects.toMatchObject({ status: 429, retryAfterSeconds: 0 });
    expect(seen).toHaveLength(4);
  });

  it("retries 5xx for GET but never for POST /images, which may have created an image", async () => {
    routes.push((_, res) => json(res, 503, { error: { code: "service_unavailable", message: "x" } }));
    routes.push((_, res) => json(res, 200, image({ status: "ready" })));
    await expect(client().getImage("img1")).resolves.toMatchObject({ status: "ready" });
    expect(seen).toHaveLength(2);

    seen = [];
    routes.push((_, res) => json(res, 500, { error: { code: "internal_error", message: "x" } }));
    await expect(
      client().createImage({ filename: "a.jpg", contentType: "image/jpeg", size: 3 }),
    ).rejects.toMatchObject({
      status: 500,
    });
    expect(seen).toHaveLength(1);
  });

  it("gives up after the configured number of retries", async () => {
    for (let i = 0; i < 4; i++)
      routes.push((_, res) => json(res, 500, { error: { code: "internal_error", message: "x" } }));
    await expect(client().getImage("img1")).rejects.toMatchObject({ code: "internal_error" });
    expect(seen).toHaveLength(4);
  });

  it("maps an unreachable API to network_error", async () => {
    const dead = new PicstackClient({ baseUrl: "http://127.0.0.1:1", retry: { retries: 1, baseDelayMs: 1 } });
    await expect(dead.getImage("x")).rejects.toMatchObject({ status: 0, code: "network_error" });
  });
});

describe("listing", () => {
  it("builds the query string and follows cursors to the end", async () => {
    routes.push((_, res) =>
      json(res, 200, { items: [image({ id: "a" }), image({ id: "b" })], nextCursor: "c1" }),
    );
    routes.push((_, res) => json(res, 200, { items: [image({ id: "c" })], nextCursor: null }));
    const ids: string[] = [];
    for await (const item of client().iterateImages({ tag: "beach", limit: 2, status: undefined }))
      ids.push(item.id);
    expect(ids).toEqual(["a", "b", "c"]);
    expect(seen.map((s) => s.url)).toEqual([
      "/images?tag=beach&limit=2",
      "/images?tag=beach&limit=2&cursor=c1",
    ]);
  });

  it("follows a cursor past short and empty pages", async () => {
    // The API bounds each request's reads, so a filtered page can be empty and still have a cursor.
    routes.push((_, res) => json(res, 200, { items: [], nextCursor: "c1" }));
    routes.push((_, res) => json(res, 200, { items: [], nextCursor: "c2" }));
    routes.push((_, res) => json(res, 200, { items: [image({ id: "a" })], nextCursor: "c3" }));
    routes.push((_, res) => json(res, 200, { items: [], nextCursor: null }));
    const ids: string[] = [];
    for await (const item of client().iterateImages({ tag: "beach", status: "ready" })) ids.push(item.id);
    expect(ids).toEqual(["a"]);
    expect(seen.map((s) => new URL(s.url, "http://x").searchParams.get("cursor"))).toEqual([
      null,
      "c1",
      "c2",
      "c3",
    ]);
  });

  it("answers delete with nothing and restore with the image", async () => {
    routes.push((_, res) => {
      res.writeHead(204);
      res.end();
    });
    routes.push((_, res) => json(res, 200, image({ status: "ready" })));
    await expect(client().deleteImage("img1")).resolves.toBeUndefined();
    await expect(client().restoreImage("img1")).resolves.toMatchObject({ status: "ready" });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "DELETE /images/img1",
      "POST /images/img1/restore",
    ]);
  });

  it("returns a 503 health answer instead of throwing", async () => {
    routes.push((_, res) => json(res, 503, { status: "degraded", checks: { table: "down" } }));
    await expect(client().health()).resolves.toMatchObject({ status: "degraded" });
  });
});

describe("search", () => {
  const hit = (id: string, score: number) => ({ image: image({ id }), score, matched: ["note"] });

  it("posts the query as JSON and returns ranked results with the mode that answered", async () => {
    // Prepare
    routes.push((_, res) =>
      json(res, 200, { items: [hit("a", 0.9), hit("b", 0.4)], nextCursor: null, mode: "text" }),
    );
    // Act
    const page = await client().search({
      query: "pier at dawn",
      tag: "beach",
      mode: "hybrid",
      minScore: 0.2,
    });
    // Assess
    expect(seen[0]).toMatchObject({ method: "POST", url: "/images/search" });
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen[0]?.body.toString() ?? "")).toEqual({
      query: "pier at dawn",
      tag: "beach",
      mode: "hybrid",
      minScore: 0.2,
    });
    expect(page.mode).toBe("text");
    expect(page.items.map((i) => [i.image.id, i.score, i.matched])).toEqual([
      ["a", 0.9, ["note"]],
      ["b", 0.4, ["note"]],
    ]);
  });

  it("iterates every result, following cursors past empty pages, with the same query each time", async () => {
    // Prepare
    routes.push((_, res) => json(res, 200, { items: [hit("a", 0.9)], nextCursor: "c1", mode: "text" }));
    routes.push((_, res) => json(res, 200, { items: [], nextCursor: "c2", mode: "text" }));
    routes.push((_, res) => json(res, 200, { items: [hit("b", 0.5)], nextCursor: null, mode: "text" }));
    // Act
    const ids: string[] = [];
    for await (const result of client().iterateSearch({ query: "sea", limit: 1 })) ids.push(result.image.id);
    // Assess
    expect(ids).toEqual(["a", "b"]);
    expect(seen.map((s) => JSON.parse(s.body.toString()))).toEqual([
      { query: "sea", limit: 1 },
      { query: "sea", limit: 1, cursor: "c1" },
      { query: "sea", limit: 1, cursor: "c2" },
    ]);
  });

  it("retries a 5xx, since a search changes nothing", async () => {
    // Prepare
    routes.push((_, res) => json(res, 503, { error: { code: "service_unavailable", message: "x" } }));
    routes.push((_, res) => json(res, 200, { items: [], nextCursor: null, mode: "hybrid" }));
    // Act / Assess
    await expect(client().search({ query: "sea" })).resolves.toMatchObject({ mode: "hybrid" });
    expect(seen).toHaveLength(2);
  });

  it("throws SemanticUnavailableError for a 409 semantic_unavailable, and a plain error for other 409s", async () => {
    // Prepare
    routes.push((_, res) =>
      json(res, 409, {
        error: { code: "semantic_unavailable", message: "No embedding provider is configured" },
      }),
    );
    routes.push((_, res) => json(res, 409, { error: { code: "conflict", message: "busy" } }));
    // Act
    const semantic = await client()
      .search({ query: "sea", mode: "semantic" })
      .catch((e: unknown) => e);
    const other = await client()
      .search({ query: "sea" })
      .catch((e: unknown) => e);
    // Assess
    expect(semantic).toBeInstanceOf(SemanticUnavailableError);
    expect(semantic).toBeInstanceOf(PicstackError);
    expect(semantic).toMatchObject({
      status: 409,
      code: "semantic_unavailable",
      message: "No embedding provider is configured",
    });
    expect(other).not.toBeInstanceOf(SemanticUnavailableError);
    expect(other).toMatchObject({ status: 409, code: "conflict" });
    expect(seen).toHaveLength(2);
  });

  it("asks for an image's similar ones with a limit, its id encoded", async () => {
    // Prepare
    routes.push((_, res) =>
      json(res, 200, {
        items: [
          { image: image({ id: "b" }), score: 1, kind: "duplicate" },
          { image: image({ id: "c" }), score: 0.6, kind: "similar" },
        ],
      }),
    );
    routes.push((_, res) => json(res, 200, { items: [] }));
    // Act
    const page = await client().similar("a/1", { limit: 5 });
    await client().similar("a");
    // Assess
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "GET /images/a%2F1/similar?limit=5",
      "GET /images/a/similar",
    ]);
    expect(page.items.map((i) => [i.image.id, i.kind])).toEqual([
      ["b", "duplicate"],
      ["c", "similar"],
    ]);
  });
});

describe("fileSha256", () => {
  it("is the SHA-256 of the bytes in lower-case hex, for bytes, buffers and Blobs alike", async () => {
    // Prepare: a view into a larger buffer hashes only its own bytes.
    const whole = new Uint8Array(300).map((_, i) => i % 251);
    const view = whole.subarray(10, 290);
    const expected = createHash("sha256").update(view).digest("hex");
    // Act / Assess
    expect(await fileSha256(view)).toBe(expected);
    expect(await fileSha256(view.slice().buffer)).toBe(expected);
    expect(await fileSha256(new Blob([view]))).toBe(expected);
    expect(await fileSha256(new Uint8Array(0))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });
});

describe("waitUntilReady", () => {
  it("polls until ready and analysed, reporting the steps in between", async () => {
    routes.push((_, res) => json(res, 200, image({ status: "processing" })));
    routes.push((_, res) => json(res, 200, image({ status: "ready" })));
    routes.push((_, res) =>
      json(res, 200, image({ status: "ready", analysis: { status: "done", tags: ["x"] } })),
    );
    const updates: string[] = [];
    const ready = await client().waitUntilReady("img1", {
      pollMs: 1,
      onUpdate: (i) => updates.push(`${i.status}/${i.analysis.status}`),
    });
    expect(ready.analysis.tags).toEqual(["x"]);
    expect(updates).toEqual(["processing/pending", "ready/pending"]);
  });

  it("does not wait for analysis when told not to", async () => {
    routes.push((_, res) => json(res, 200, image({ status: "ready" })));
    await expect(client().waitUntilReady("img1", { analysis: false })).resolves.toMatchObject({
      status: "ready",
    });
  });

  it("throws ImageFailedError with the image's error code", async () => {
    routes.push((_, res) =>
      json(res, 200, image({ status: "failed", error: { code: "corrupt_image", message: "not an image" } })),
    );
    const error = await client()
      .waitUntilReady("img1")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageFailedError);
    expect(error).toMatchObject({ code: "corrupt_image", image: { id: "img1" } });
  });

  it("throws WaitTimeoutError past the deadline", async () => {
    for (let i = 0; i < 50; i++) routes.push((_, res) => json(res, 200, image({ status: "processing" })));
    await expect(client().waitUntilReady("img1", { timeoutMs: 30, pollMs: 5 })).rejects.toBeInstanceOf(
      WaitTimeoutError,
    );
  });
});

describe("createUpload", () => {
  const created = (method: "PUT" | "POST" = "PUT") => ({
    image: image(),
    upload: {
      method,
      url: `${baseUrl}/storage/key`,
      headers: method === "PUT" ? { "Content-Type": "image/jpeg" } : undefined,
      fields: method === "POST" ? { key: "images/k.jpg", policy: "p" } : undefined,
      expiresAt: "2030-01-01T00:00:00.000Z",
    },
  });

  it("creates the image, PUTs the exact bytes with Content-Length, and reports progress to the end", async () => {
    const bytes = new Uint8Array(200_000).fill(7);
    routes.push((_, res) => json(res, 201, created()));
    routes.push((_, res) => {
      res.writeHead(200);
      res.end();
    });
    const progress: number[] = [];
    const result = await client().createUpload(
      { data: bytes, filename: "beach.JPG" },
      { tags: ["sea"], note: "hi", onProgress: (p) => progress.push(p.loaded / p.total) },
    );
    expect(result.id).toBe("img1");
    expect(JSON.parse(seen[0]?.body.toString() ?? "")).toEqual({
      filename: "beach.JPG",
      contentType: "image/jpeg",
      size: 200_000,
      note: "hi",
      tags: ["sea"],
    });
    expect(seen[1]).toMatchObject({ method: "PUT", url: "/storage/key" });
    expect(seen[1]?.headers["content-length"]).toBe("200000");
    expect(seen[1]?.headers["content-type"]).toBe("image/jpeg");
    expect(seen[1]?.body.equals(Buffer.from(bytes))).toBe(true);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("sends a POST policy upload as a form with the fields before the file", async () => {
    routes.push((_, res) => json(res, 201, created("POST")));
    routes.push((_, res) => {
      res.writeHead(204);
      res.end();
    });
    await client().createUpload(new File([new Uint8Array([1, 2, 3])], "a.png", { type: "image/png" }));
    const form = seen[1]?.body.toString("latin1") ?? "";
    expect(seen[1]?.headers["content-type"]).toMatch(/^multipart\/form-data/);
    expect(form.indexOf('name="policy"')).toBeLessThan(form.indexOf('name="file"'));
  });

  it("retries storage 5xx and network failures, but not a refusal", async () => {
    routes.push((_, res) => json(res, 201, created()));
    routes.push((_, res) => {
      res.writeHead(503);
      res.end("<Error><Code>SlowDown</Code></Error>");
    });
    routes.push((_, res) => {
      res.writeHead(200);
      res.end();
    });
    await client().createUpload({ data: new Uint8Array(10), filename: "a.jpg" });
    expect(seen.map((s) => s.method)).toEqual(["POST", "PUT", "PUT"]);

    seen = [];
    routes.push((_, res) => json(res, 201, created()));
    routes.push((_, res) => {
      res.writeHead(403);
      res.end("<Error><Code>SignatureDoesNotMatch</Code><Message>nope</Message></Error>");
    });
    const error = await client()
      .createUpload({ data: new Uint8Array(10), filename: "a.jpg" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(error).toMatchObject({ status: 403, code: "upload_refused" });
    expect((error as Error).message).toContain("SignatureDoesNotMatch: nope");
    expect(seen).toHaveLength(2);
  });

  it("sends the file's SHA-256 when asked, and reports the duplicates the server found", async () => {
    // Prepare
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const digest = createHash("sha256").update(bytes).digest("hex");
    routes.push((_, res) => json(res, 201, { ...created(), duplicates: ["old1"] }));
    routes.push((_, res) => {
      res.writeHead(200);
      res.end();
    });
    const reported: [string, string[]][] = [];
    // Act
    const result = await client().createUpload(
      { data: bytes, filename: "a.jpg" },
      { sha256: true, onCreated: (i, duplicates) => reported.push([i.id, duplicates]) },
    );
    // Assess: without skipDuplicates the bytes are sent all the same.
    expect(JSON.parse(seen[0]?.body.toString() ?? "")).toMatchObject({ sha256: digest });
    expect(reported).toEqual([["img1", ["old1"]]]);
    expect(result.id).toBe("img1");
    expect(seen.map((s) => s.method)).toEqual(["POST", "PUT"]);
  });

  it("takes a known digest as given, lower-cased, and sends no sha256 unless asked", async () => {
    // Prepare
    const known = "AB".repeat(32);
    for (let i = 0; i < 2; i++) {
      routes.push((_, res) => json(res, 201, created()));
      routes.push((_, res) => {
        res.writeHead(200);
        res.end();
      });
    }
    // Act
    await client().createUpload({ data: new Uint8Array(3), filename: "a.jpg" }, { sha256: known });
    await client().createUpload({ data: new Uint8Array(3), filename: "a.jpg" });
    // Assess
    expect(JSON.parse(seen[0]?.body.toString() ?? "").sha256).toBe("ab".repeat(32));
    expect(JSON.parse(seen[2]?.body.toString() ?? "")).not.toHaveProperty("sha256");
  });

  it("reads a server without duplicates in its answer as having found none", async () => {
    // Prepare
    routes.push((_, res) => json(res, 201, created()));
    // Act
    const answer = await client().createImage({ filename: "a.jpg", contentType: "image/jpeg", size: 3 });
    // Assess
    expect(answer.duplicates).toEqual([]);
  });

  it("with skipDuplicates, deletes the new record and returns the image already there, sending no bytes", async () => {
    // Prepare
    const bytes = new Uint8Array([9, 9, 9]);
    const digest = createHash("sha256").update(bytes).digest("hex");
    routes.push((_, res) => json(res, 201, { ...created(), duplicates: ["gone", "old1"] }));
    routes.push((_, res) => json(res, 404, { error: { code: "image_not_found", message: "no" } }));
    routes.push((_, res) =>
      json(res, 200, image({ id: "old1", status: "ready", checksum: { sha256: digest } })),
    );
    routes.push((_, res) => {
      res.writeHead(204);
      res.end();
    });
    const skipped: string[] = [];
    // Act
    const result = await client().createUpload(
      { data: bytes, filename: "a.jpg" },
      { skipDuplicates: true, onSkipped: (existing) => skipped.push(existing.id) },
    );
    // Assess
    expect(JSON.parse(seen[0]?.body.toString() ?? "").sha256).toBe(digest);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "POST /images",
      "GET /images/gone",
      "GET /images/old1",
      "DELETE /images/img1",
    ]);
    expect(result).toMatchObject({ id: "old1", status: "ready" });
    expect(skipped).toEqual(["old1"]);
  });

  it("with skipDuplicates, uploads after all when the only duplicate never got its bytes", async () => {
    // Prepare: an earlier upload of this file was created and never sent.
    routes.push((_, res) => json(res, 201, { ...created(), duplicates: ["stale"] }));
    routes.push((_, res) => json(res, 200, image({ id: "stale", status: "pending" })));
    routes.push((_, res) => {
      res.writeHead(200);
      res.end();
    });
    const skipped: string[] = [];
    // Act
    const result = await client().createUpload(
      { data: new Uint8Array(3), filename: "a.jpg" },
      { skipDuplicates: true, onSkipped: (existing) => skipped.push(existing.id) },
    );
    // Assess
    expect(result.id).toBe("img1");
    expect(skipped).toEqual([]);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "POST /images",
      "GET /images/stale",
      "PUT /storage/key",
    ]);
  });

  it("refuses files the API would refuse before sending anything", async () => {
    await expect(
      client().createUpload({ data: new Uint8Array(3), filename: "notes.txt" }),
    ).rejects.toMatchObject({
      code: "unsupported_media_type",
    });
    await expect(client().createUpload({ data: new Uint8Array(0), filename: "a.jpg" })).rejects.toMatchObject(
      {
        code: "empty_file",
      },
    );
    expect(seen).toHaveLength(0);
  });
});

describe("checkFile and contentTypeFor", () => {
  it("knows the API's types by extension, case-insensitively", () => {
    expect(contentTypeFor("IMG_1.HEIC")).toBe("image/heic");
    expect(contentTypeFor("scan.tif")).toBe("image/tiff");
    expect(contentTypeFor("README")).toBeUndefined();
  });

  it("lets through by default what a server with its default limit accepts, and nothing more", () => {
    // Prepare
    const serverAccepts = (type: string, size: number) => {
      try {
        assertUploadAllowed(type, size, SERVER_DEFAULT_MAX);
        return true;
      } catch {
        return false;
      }
    };
    // Act / Assess
    for (const type of [...SERVER_TYPES, "image/svg+xml", "text/plain"]) {
      for (const size of [1, SERVER_DEFAULT_MAX, SERVER_DEFAULT_MAX + 1]) {
        expect(checkFile({ name: "file", type, size }) === undefined, `${type}, ${size} bytes`).toBe(
          serverAccepts(type, size),
        );
      }
    }
  });

  it("takes HEIC and HEIF files a browser gives no type, by their extension", () => {
    // Act / Assess: desktop browsers report "" for .heic; the API gets image/heic from the name.
    expect(checkFile({ name: "IMG_0042.HEIC", type: "", size: 2_000_000 })).toBeUndefined();
    expect(checkFile({ name: "scan.heif", type: "", size: 10 })).toBeUndefined();
    expect(contentTypeFor("scan.heif")).toBe("image/heif");
  });

  it("explains unsupported, empty and oversized files", () => {
    expect(checkFile({ name: "a.jpg", type: "image/jpeg", size: 10 })).toBeUndefined();
    expect(checkFile({ name: "page.svg", type: "image/svg+xml", size: 10 })?.message).toContain(
      "image/svg+xml is not supported",
    );
    const big = checkFile({ name: "big.png", size: 30 * 1024 * 1024 });
    expect(big).toBeInstanceOf(FileRejectedError);
    expect(big?.message).toBe("big.png is 30.0 MiB; the limit is 25.0 MiB");
    expect(checkFile({ name: "a.png", size: 5 }, 4)?.code).toBe("payload_too_large");
  });
});
