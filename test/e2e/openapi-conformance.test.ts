/**
 * The OpenAPI document against the running stack: every route's real answers, successes and errors,
 * validate against what the document says for that route and status, and its `servers` URL works.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, it } from "vitest";
import { documentValidator } from "../../packages/functions/test/openapi-validator.js";
import { outputs, photoJpeg, tokenFor, waitForStatus } from "./helpers.js";

type Doc = { servers?: Array<{ url: string }>; paths: Record<string, unknown> };

let doc: Doc;
let validator: ReturnType<typeof documentValidator>;
const seen: string[] = [];

/** Sends a request and asserts its answer is documented for `route` and matches the document. */
async function call(
  method: string,
  route: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body = options.rawBody;
  if (options.body !== undefined) {
    headers["Content-Type"] ??= "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${outputs().apiUrl}${path}`, { method, headers, body });
  const text = await response.text();
  const contentType = response.headers.get("content-type");
  const parsed = contentType?.includes("json") && text ? JSON.parse(text) : text;
  const verdict = validator.response(method, route, {
    status: response.status,
    contentType,
    headers: response.headers,
    body: parsed,
  });
  expect(verdict.errors, `${method} ${path} → ${response.status}: ${text.slice(0, 300)}`).toEqual([]);
  seen.push(`${method} ${route} ${response.status}`);
  return { status: response.status, body: parsed, headers: response.headers };
}

beforeAll(async () => {
  const response = await fetch(`${outputs().apiUrl}/openapi.json`);
  expect(response.status).toBe(200);
  doc = (await response.json()) as Doc;
  validator = documentValidator(doc);
});

describe("the served OpenAPI document", () => {
  it("is valid, and its servers URL is where the API answers", async () => {
    const result = await new Validator().validate(doc as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    const server = doc.servers?.[0]?.url;
    expect(server).toBe(outputs().apiUrl);
    const health = await fetch(`${server}/health`);
    expect(health.status).toBe(200);
  });

  it("describes every answer of every route, successes and errors", async () => {
    // Public routes.
    await call("GET", "/health", "/health");
    await call("GET", "/openapi.json", "/openapi.json");
    await call("GET", "/docs", "/docs");
    expect((await call("GET", "/docs/{asset}", "/docs/swagger-ui.css")).status).toBe(200);
    expect((await call("GET", "/docs/{asset}", "/docs/missing.js")).status).toBe(404);

    // POST /images: created, and each way a create is refused.
    const token = await tokenFor(`conformance-${Date.now()}`);
    const jpeg = await photoJpeg(800, 600);
    const created = await call("POST", "/images", "/images", {
      token,
      body: { filename: "c.jpg", contentType: "image/jpeg", size: jpeg.byteLength, tags: ["Sea"], note: "n" },
    });
    expect(created.status).toBe(201);
    const { image, upload } = created.body as {
      image: { id: string };
      upload: { url: string; headers: Record<string, string> };
    };
    const refusals: Array<[number, Parameters<typeof call>[3]]> = [
      [401, { body: { filename: "a.jpg", contentType: "image/jpeg", size: 1 } }],
      [400, { token, body: { filename: "a\u0007.jpg", contentType: "image/jpeg", size: 1 } }],
      [400, { token, rawBody: "{not json", headers: { "Content-Type": "application/json" } }],
      [413, { token, body: { filename: "a.jpg", contentType: "image/jpeg", size: 10 ** 12 } }],
      [415, { token, body: { filename: "a.svg", contentType: "image/svg+xml", size: 1 } }],
      [415, { token, rawBody: "filename=a.jpg", headers: { "Content-Type": "text/plain" } }],
    ];
    for (const [status, options] of refusals) {
      expect((await call("POST", "/images", "/images", options)).status).toBe(status);
    }

    // The image while pending: analyze is refused, list and get answer.
    const id = `/images/${image.id}`;
    expect((await call("POST", "/images/{id}/analyze", `${id}/analyze`, { token })).status).toBe(409);
    expect((await call("GET", "/images/{id}", id, { token })).status).toBe(200);

    // Upload, wait until processed and analyzed: the full image, exif included, validates.
    const put = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: jpeg });
    expect(put.status).toBe(200);
    const ready = await waitForStatus(token, image.id, ["ready"]);
    expect(ready.exif).toBeDefined();
    const got = await call("GET", "/images/{id}", id, { token });
    expect(got.body).toMatchObject({
      status: "ready",
      thumbnails: expect.any(Object),
      urls: expect.any(Object),
    });

    expect((await call("GET", "/images", "/images?limit=1", { token })).status).toBe(200);
    expect((await call("GET", "/images", "/images?limit=0", { token })).status).toBe(400);
    expect((await call("GET", "/images", "/images?cursor=forged", { token })).status).toBe(400);
    expect((await call("GET", "/images", "/images", {})).status).toBe(401);

    expect(
      (await call("PATCH", "/images/{id}", id, { token, body: { note: "new", tags: ["a"] } })).status,
    ).toBe(200);
    expect((await call("PATCH", "/images/{id}", id, { token, body: {} })).status).toBe(400);
    expect(
      (
        await call("PATCH", "/images/{id}", "/images/01m819gdvpkk9mqydbm4k3rth7", {
          token,
          body: { note: "x" },
        })
      ).status,
    ).toBe(404);

    // Search: a hit (the note just set), refusals, and the mode this stack can rank by.
    const found = await call("POST", "/images/search", "/images/search", { token, body: { query: "new" } });
    expect(found.status).toBe(200);
    expect((found.body as { items: Array<{ image: { id: string } }> }).items[0]?.image.id).toBe(image.id);
    expect(
      (await call("POST", "/images/search", "/images/search", { token, body: { query: "" } })).status,
    ).toBe(400);
    expect(
      (
        await call("POST", "/images/search", "/images/search", {
          token,
          body: { query: "x", cursor: "forged" },
        })
      ).status,
    ).toBe(400);
    const semantic = await call("POST", "/images/search", "/images/search", {
      token,
      body: { query: "x", mode: "semantic" },
    });
    expect([200, 409]).toContain(semantic.status);
    expect((await call("GET", "/images/{id}/similar", `${id}/similar?limit=5`, { token })).status).toBe(200);
    expect(
      (await call("GET", "/images/{id}/similar", "/images/01m819gdvpkk9mqydbm4k3rth7/similar", { token }))
        .status,
    ).toBe(404);

    expect((await call("POST", "/images/{id}/analyze", `${id}/analyze`, { token })).status).toBe(202);
    expect((await call("POST", "/images/{id}/restore", `${id}/restore`, { token })).status).toBe(409);
    expect((await call("DELETE", "/images/{id}", id, { token })).status).toBe(204);
    expect((await call("GET", "/images/{id}", id, { token })).status).toBe(404);
    expect((await call("POST", "/images/{id}/restore", `${id}/restore`, { token })).status).toBe(200);
    expect((await call("GET", "/images/{id}", "/images/not-an-id", { token })).status).toBe(404);

    // A spent write bucket: 429 with Retry-After, as documented.
    let limited = 0;
    for (let i = 0; i < 80 && limited === 0; i++) {
      const answer = await call("DELETE", "/images/{id}", "/images/01m819gdvpkk9mqydbm4k3rth7", { token });
      if (answer.status === 429) {
        limited = answer.status;
        expect(answer.headers.get("retry-after")).toMatch(/^[0-9]+$/);
      }
    }
    expect(limited).toBe(429);

    expect(new Set(seen.map((s) => s.split(" ").slice(0, 2).join(" ")))).toEqual(
      new Set(
        Object.entries(doc.paths).flatMap(([path, ops]) =>
          Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`),
        ),
      ),
    );
  });
});
