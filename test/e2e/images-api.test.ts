/**
 * The image API beyond the skeleton, on the local stack as a client uses it: list with filters and
 * signed cursors, update of note and tags (and the tag index with them), delete, restore and purge.
 */

import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { listDeadLetters, redriveDeadLetters, runJob } from "@picstack/local";
import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, it } from "vitest";
import { api, documents, expectError, outputs, photoJpeg, sqs, tokenFor, waitForStatus } from "./helpers.js";

interface Image {
  id: string;
  status: string;
  tags: string[];
  note: string | null;
  createdAt: string;
}
interface Page {
  items: Image[];
  nextCursor: string | null;
}

async function create(token: string, body: Record<string, unknown> = {}): Promise<Image> {
  const response = await api<{ image: Image }>("POST", "/images", {
    token,
    body: { filename: "x.jpg", contentType: "image/jpeg", size: 1000, ...body },
  });
  expect(response.status).toBe(201);
  return response.body.image;
}

async function listAll(token: string, query: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const response = await api<Page>("GET", `/images?${query}${suffix}`, { token });
    expect(response.status).toBe(200);
    ids.push(...response.body.items.map((i) => i.id));
    cursor = response.body.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { ids, pages };
}

describe("GET /images", () => {
  let token: string;
  const created: Image[] = [];

  beforeAll(async () => {
    token = await tokenFor(`lister-${Date.now()}`);
    for (let i = 0; i < 7; i++) created.push(await create(token, { tags: i % 2 === 0 ? ["Even"] : ["odd"] }));
  });

  it("pages through every image newest first with no duplicates or gaps", async () => {
    const { ids, pages } = await listAll(token, "limit=3");
    expect(ids).toEqual(created.map((i) => i.id).reverse());
    expect(pages).toBe(3);
  });

  it("lists oldest first with order=asc", async () => {
    const { ids } = await listAll(token, "limit=2&order=asc");
    expect(ids).toEqual(created.map((i) => i.id));
  });

  it("filters by tag through the tag index, and by status and date range", async () => {
    const even = await listAll(token, "tag=EVEN&limit=2");
    expect(even.ids).toEqual(
      created
        .filter((_, i) => i % 2 === 0)
        .map((i) => i.id)
        .reverse(),
    );
    expect((await listAll(token, "status=ready")).ids).toEqual([]);
    expect((await listAll(token, "status=pending")).ids).toHaveLength(7);
    const middle = created[3] as Image;
    const from = await listAll(token, `from=${encodeURIComponent(middle.createdAt)}&order=asc`);
    expect(from.ids[0]).toBe(middle.id);
    expect(from.ids).toHaveLength(4);
  });

  it("refuses a tampered cursor, another user's cursor and a cursor from another query", async () => {
    const first = await api<Page>("GET", "/images?limit=2", { token });
    const cursor = first.body.nextCursor as string;
    const tampered = `${cursor.slice(0, -2)}${cursor.endsWith("A") ? "B" : "A"}A`;
    const other = await tokenFor("someone-else");

    expectError(
      await api("GET", `/images?limit=2&cursor=${encodeURIComponent(tampered)}`, { token }),
      400,
      "invalid_cursor",
    );
    expectError(
      await api("GET", `/images?limit=2&cursor=${encodeURIComponent(cursor)}`, { token: other }),
      400,
      "invalid_cursor",
    );
    expectError(
      await api("GET", `/images?limit=3&cursor=${encodeURIComponent(cursor)}`, { token }),
      400,
      "invalid_cursor",
    );
  });

  it("validates the query string", async () => {
    expectError(await api("GET", "/images?limit=0", { token }), 400, "validation_error");
    expectError(await api("GET", "/images?limit=101", { token }), 400, "validation_error");
    expectError(await api("GET", "/images?order=sideways", { token }), 400, "validation_error");
    expectError(await api("GET", "/images?from=yesterday", { token }), 400, "validation_error");
    expectError(await api("GET", "/images?colour=red", { token }), 400, "validation_error");
  });

  it("never shows one user another user's images", async () => {
    const stranger = await tokenFor(`stranger-${Date.now()}`);
    expect((await listAll(stranger, "limit=100")).ids).toEqual([]);
  });
});

describe("PATCH /images/{id}", () => {
  it("normalizes tags, keeps the tag index in step, and removes an empty note without removing the image", async () => {
    // Prepare
    const token = await tokenFor(`patcher-${Date.now()}`);
    const image = await create(token, { tags: ["sea"], note: "first" });

    // Act
    const patched = await api<Image>("PATCH", `/images/${image.id}`, {
      token,
      body: { tags: [" Beach ", "SUNSET", "beach"], note: "" },
    });

    // Assess
    expect(patched.status).toBe(200);
    expect(patched.body.tags).toEqual(["beach", "sunset"]);
    expect(patched.body.note).toBeNull();
    expect((await listAll(token, "tag=sea")).ids).toEqual([]);
    expect((await listAll(token, "tag=beach")).ids).toEqual([image.id]);
    const again = await api<Image>("GET", `/images/${image.id}`, { token });
    expect(again.body).toMatchObject({ tags: ["beach", "sunset"], note: null });
  });

  it("refuses unknown fields, too many tags, an empty body, and other users", async () => {
    const token = await tokenFor(`patcher2-${Date.now()}`);
    const image = await create(token);
    expectError(
      await api("PATCH", `/images/${image.id}`, { token, body: { status: "ready" } }),
      400,
      "validation_error",
    );
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`);
    expectError(
      await api("PATCH", `/images/${image.id}`, { token, body: { tags: many } }),
      400,
      "validation_error",
    );
    expectError(await api("PATCH", `/images/${image.id}`, { token, body: {} }), 400, "validation_error");
    const other = await tokenFor("not-the-owner");
    expectError(
      await api("PATCH", `/images/${image.id}`, { token: other, body: { note: "mine" } }),
      404,
      "image_not_found",
    );
  });
});

describe("DELETE, restore and purge", () => {
  it("hides a deleted image at once and restores it with its tags", async () => {
    const token = await tokenFor(`deleter-${Date.now()}`);
    const image = await create(token, { tags: ["keep"] });

    const deleted = await api("DELETE", `/images/${image.id}`, { token });

    expect(deleted.status).toBe(204);
    expectError(await api("GET", `/images/${image.id}`, { token }), 404, "image_not_found");
    expect((await listAll(token, "limit=10")).ids).toEqual([]);
    expect((await listAll(token, "tag=keep")).ids).toEqual([]);
    expectError(await api("DELETE", `/images/${image.id}`, { token }), 404, "image_not_found");

    const restored = await api<Image>("POST", `/images/${image.id}/restore`, { token });

    expect(restored.status).toBe(200);
    expect(restored.body.tags).toEqual(["keep"]);
    expect((await listAll(token, "tag=keep")).ids).toEqual([image.id]);
    expectError(await api("POST", `/images/${image.id}/restore`, { token }), 409, "image_not_deleted");
  });

  it("purges images deleted longer ago than the retention, and nothing newer", async () => {
    // Prepare: two deleted images; one backdated past the 7-day retention, as if time had passed.
    const token = await tokenFor(`purger-${Date.now()}`);
    const old = await create(token);
    const recent = await create(token);
    await api("DELETE", `/images/${old.id}`, { token });
    await api("DELETE", `/images/${recent.id}`, { token });
    const longAgo = new Date(Date.now() - 8 * 86_400_000).toISOString();
    await documents().send(
      new UpdateCommand({
        TableName: outputs().table,
        Key: { pk: `IMAGE#${old.id}`, sk: "IMAGE" },
        UpdateExpression: "SET deletedAt = :d, gsi1sk = :sk",
        ExpressionAttributeValues: { ":d": longAgo, ":sk": `${longAgo}#${old.id}` },
      }),
    );
    expectError(await api("POST", `/images/${old.id}/restore`, { token }), 409, "restore_window_closed");

    // Act
    const result = (await runJob(outputs(), "purgeDeleted")) as { purged: string[] };

    // Assess
    expect(result.purged).toContain(old.id);
    expect(result.purged).not.toContain(recent.id);
    expectError(await api("POST", `/images/${old.id}/restore`, { token }), 404, "image_not_found");
    expect((await api("POST", `/images/${recent.id}/restore`, { token })).status).toBe(200);
  });
});

describe("API description", () => {
  it("serves a valid OpenAPI 3.1 document and a docs page without a token", async () => {
    const spec = await api<{
      openapi: string;
      servers: Array<{ url: string }>;
      paths: Record<string, unknown>;
    }>("GET", "/openapi.json");
    expect(spec.status).toBe(200);
    const validator = new Validator();
    expect((await validator.validate(spec.body as Parameters<Validator["validate"]>[0])).valid).toBe(true);
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(["/images", "/images/{id}"]));
  });

  it("serves the API reference (Swagger UI) at /docs and /docs/, with its files and spec from the API itself", async () => {
    const base = outputs().apiUrl;
    const pages: string[] = [];
    for (const path of ["/docs", "/docs/"]) {
      const docs = await fetch(`${base}${path}`);
      expect(docs.status).toBe(200);
      expect(docs.headers.get("content-type")).toMatch(/text\/html/);
      expect(docs.headers.get("content-security-policy")).toContain("default-src 'none'");
      pages.push(await docs.text());
    }
    expect(pages[1]).toBe(pages[0]);
    const html = pages[0] ?? "";
    expect(html).toContain('id="swagger-ui"');
    // Every URL in the page is under the API's own base: nothing comes from another host.
    const urls = [...html.matchAll(/(?:href|src|data-spec-url)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of urls) expect(url.startsWith(`${base}/`), url).toBe(true);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost)/);
    const files = Object.fromEntries(
      await Promise.all(
        urls.map(async (url) => {
          const answer = await fetch(url);
          return [
            new URL(url).pathname.split("/").pop(),
            { status: answer.status, type: answer.headers.get("content-type"), text: await answer.text() },
          ] as const;
        }),
      ),
    );
    expect(files["swagger-ui-bundle.js"]).toMatchObject({
      status: 200,
      type: expect.stringMatching(/javascript/),
    });
    expect(files["swagger-ui-bundle.js"]?.text).toContain("SwaggerUIBundle");
    expect(files["swagger-ui.css"]).toMatchObject({ status: 200, type: expect.stringMatching(/text\/css/) });
    expect(files["init.js"]?.text).toContain("validatorUrl: null");
    expect(files["openapi.json"]?.status).toBe(200);
    expect(JSON.parse(files["openapi.json"]?.text ?? "{}")).toMatchObject({
      openapi: "3.1.0",
      servers: [{ url: base }],
    });
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After once a user's write bucket is empty, and keeps reads separate", async () => {
    // Prepare
    const token = await tokenFor(`burst-${Date.now()}`);
    const missing = "/images/01m819gdvpkk9mqydbm4k3rth7";
    let limited: Awaited<ReturnType<typeof api>> | undefined;

    // Act: writes one after another until the bucket (30 tokens, 1 per second) runs dry.
    for (let i = 0; i < 60 && !limited; i++) {
      const response = await api("DELETE", missing, { token });
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(404);
    }

    // Assess
    expect(limited).toBeDefined();
    expectError(limited as Awaited<ReturnType<typeof api>>, 429, "rate_limited");
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await api("GET", "/images?limit=1", { token })).status).toBe(200);
    const other = await tokenFor(`calm-${Date.now()}`);
    expect((await api("DELETE", missing, { token: other })).status).toBe(404);
  });
});

describe("POST /images/{id}/analyze", () => {
  it("is refused before the image is ready, and re-runs the analysis of a ready image", async () => {
    // Prepare
    const token = await tokenFor(`analyzer-${Date.now()}`);
    const jpeg = await photoJpeg(640, 480);
    const created = await api<{ image: Image; upload: { url: string; headers: Record<string, string> } }>(
      "POST",
      "/images",
      { token, body: { filename: "p.jpg", contentType: "image/jpeg", size: jpeg.byteLength } },
    );
    expectError(
      await api("POST", `/images/${created.body.image.id}/analyze`, { token }),
      409,
      "image_not_ready",
    );
    await fetch(created.body.upload.url, { method: "PUT", headers: created.body.upload.headers, body: jpeg });
    const ready = await waitForStatus(token, created.body.image.id, ["ready", "failed"]);
    expect(ready.analysis).toMatchObject({ status: "done", provider: "basic" });
    expect(ready.tags).toEqual(expect.arrayContaining(["landscape"]));

    // Act
    const requested = await api<Image & { analysis: { status: string } }>(
      "POST",
      `/images/${created.body.image.id}/analyze`,
      { token },
    );

    // Assess
    expect(requested.status).toBe(202);
    expect(requested.body.analysis.status).toBe("pending");
    // waitForStatus waits out a pending analysis of a ready image.
    const { analysis } = await waitForStatus(token, created.body.image.id, ["ready"], 30_000);
    expect(analysis).toMatchObject({ status: "done", provider: "basic" });
  });
});

describe("dead-letter queue command", () => {
  it("lists dead letters and moves them back to the analysis queue", async () => {
    // Prepare: a message that could never be processed, already dead-lettered.
    const o = outputs();
    await sqs().send(
      new SendMessageCommand({ QueueUrl: o.deadLetterQueue, MessageBody: '{"not":"an S3 event"}' }),
    );

    // Act
    const listed = await listDeadLetters(o);
    const moved = await redriveDeadLetters(o);

    // Assess
    expect(listed.map((l) => l.body)).toContain('{"not":"an S3 event"}');
    expect(moved).toBeGreaterThanOrEqual(1);
    expect(await listDeadLetters(o)).toEqual([]);
  });
});
