/**
 * POST /images/search and GET /images/{id}/similar through API Gateway on the local stack, as a client
 * calls them: an image is found as soon as it is ready and analysed, by its new note the moment it is
 * edited, and is gone at once when deleted or purged and back when restored; two users whose images
 * share every word each see only their own; pages of 20 over 65 hits reach each hit exactly once, and a
 * tampered or another user's cursor answers 400; bodies are validated; the mode answered matches the
 * stack's embedding provider (409 semantic_unavailable without one).
 */
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoImageRepository } from "@picstack/adapters/dynamodb";
import type { ImageRecord } from "@picstack/core";
import { runJob } from "@picstack/local";
import { beforeAll, describe, expect, it } from "vitest";
import { fakeEmbedding } from "../fake-embeddings.js";
import { libraryRecords, seedLibrary } from "../library.js";
import {
  type ApiResponse,
  api,
  documents,
  expectError,
  lambda,
  outputs,
  photoJpeg,
  s3,
  tokenFor,
  uploadImage,
  waitForStatus,
} from "./helpers.js";

interface Hit {
  image: { id: string; note: string | null; urls?: Record<string, string> };
  score: number;
  matched: string[];
}
interface SearchAnswer {
  items: Hit[];
  nextCursor: string | null;
  mode: string;
}

const run = Date.now().toString(36);

/** A request the rate limiter refused is sent again after `Retry-After`: these tests are about search. */
async function call<T>(method: string, path: string, token: string, body?: unknown): Promise<ApiResponse<T>> {
  for (;;) {
    const response = await api<T>(method, path, { token, ...(body === undefined ? {} : { body }) });
    if (response.status !== 429) return response;
    await new Promise((r) => setTimeout(r, Number(response.headers.get("retry-after") ?? 1) * 1000));
  }
}
const search = (token: string, body: Record<string, unknown>) =>
  call<SearchAnswer>("POST", "/images/search", token, body);
const idsFor = async (token: string, query: string) => {
  const response = await search(token, { query, limit: 50 });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.items.map((hit) => hit.image.id);
};

/** Folds the user's pending changes into a snapshot now, as the queue's consumer does. */
async function compact(userId: string): Promise<Record<string, unknown>> {
  const result = await lambda().send(
    new InvokeCommand({
      FunctionName: outputs().functions.indexSearch,
      Payload: new TextEncoder().encode(JSON.stringify({ userId, force: true })),
    }),
  );
  const payload = JSON.parse(new TextDecoder().decode(result.Payload));
  expect(result.FunctionError, JSON.stringify(payload)).toBeUndefined();
  return payload;
}

describe("freshness through the pipeline", () => {
  const userId = `fresh-${run}`;
  let token = "";
  let id = "";

  beforeAll(async () => {
    token = await tokenFor(userId);
    const image = await uploadImage(token, await photoJpeg(800, 600), "image/jpeg", `wombat-${run}.jpg`);
    id = image.id;
    await waitForStatus(token, id, ["ready"]);
  });

  it("finds an image once it is ready and analysed, by its filename and its analysis tags", async () => {
    // Act
    const byName = await search(token, { query: "wombat" });
    const image = await call<{ tags: string[] }>("GET", `/images/${id}`, token);
    const [tag] = image.body.tags;

    // Assess
    expect(byName.status).toBe(200);
    expect(byName.body.items.map((h) => h.image.id)).toEqual([id]);
    expect(byName.body.items[0]?.matched).toContain("filename");
    expect(byName.body.items[0]?.score).toBeGreaterThan(0);
    expect(byName.body.items[0]?.score).toBeLessThanOrEqual(1);
    expect(byName.body.items[0]?.image.urls?.thumb).toEqual(expect.any(String));
    expect(tag, "the basic tagger tags every image").toEqual(expect.any(String));
    expect(await idsFor(token, tag as string)).toContain(id);
  });

  it("follows a note edit at once: found by the new word, no longer by the old", async () => {
    // Act
    expect((await call("PATCH", `/images/${id}`, token, { note: "quokka picnic" })).status).toBe(200);
    const byNew = await idsFor(token, "quokka");
    expect((await call("PATCH", `/images/${id}`, token, { note: "numbat parade" })).status).toBe(200);

    // Assess
    expect(byNew).toEqual([id]);
    expect(await idsFor(token, "numbat")).toEqual([id]);
    expect(await idsFor(token, "quokka")).toEqual([]);
  });

  it("drops a deleted image at once, brings it back on restore, and keeps it across a compaction", async () => {
    // Act / Assess
    expect((await call("DELETE", `/images/${id}`, token)).status).toBe(204);
    expect(await idsFor(token, "numbat")).toEqual([]);
    expect((await call("POST", `/images/${id}/restore`, token)).status).toBe(200);
    expect(await idsFor(token, "numbat")).toEqual([id]);
    expect(await compact(userId)).toMatchObject({ outcome: "compacted" });
    expect(await idsFor(token, "numbat")).toEqual([id]);
  });

  it("forgets a purged image, in the snapshot too", async () => {
    // Prepare: deleted and backdated past the retention, as in the purge test of the images API.
    expect((await call("DELETE", `/images/${id}`, token)).status).toBe(204);
    const longAgo = new Date(Date.now() - 8 * 86_400_000).toISOString();
    await documents().send(
      new UpdateCommand({
        TableName: outputs().table,
        Key: { pk: `IMAGE#${id}`, sk: "IMAGE" },
        UpdateExpression: "SET deletedAt = :d, gsi1sk = :sk",
        ExpressionAttributeValues: { ":d": longAgo, ":sk": `${longAgo}#${id}` },
      }),
    );

    // Act: the purge job asks for a forced compaction through the queue; one run directly too, so the
    // test does not wait on the queue (whichever runs second finds nothing pending).
    const purged = (await runJob(outputs(), "purgeDeleted")) as { purged: string[] };
    const compaction = await compact(userId);
    // If the two ran at once, the loser stops early and the winner may still be finishing.
    const searchItems = async () => {
      const partition = await documents().send(
        new QueryCommand({
          TableName: outputs().table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `SEARCH#${userId}` },
          ConsistentRead: true,
        }),
      );
      return (partition.Items ?? []).map((item) => [item.sk, item.docs]);
    };
    let items = await searchItems();
    for (let i = 0; i < 20 && items.length !== 1; i++) {
      await new Promise((r) => setTimeout(r, 500));
      items = await searchItems();
    }
    const objects = await s3().send(
      new ListObjectsV2Command({ Bucket: outputs().bucket, Prefix: `search/${userId}/` }),
    );

    // Assess
    expect(purged.purged).toContain(id);
    expect(["compacted", "skipped", "lost"]).toContain(compaction.outcome);
    expect(items).toEqual([["META", 0]]);
    expect(objects.Contents ?? []).toEqual([]);
    expect(await idsFor(token, "numbat")).toEqual([]);
    expect(await idsFor(token, "wombat")).toEqual([]);
  });
});

describe("isolation", () => {
  const alice = `iso-a-${run}`;
  const bob = `iso-b-${run}`;
  const note = "bilby dingo platypus";
  const aliceRecords = libraryRecords(alice, 3, { status: () => "ready" }).map((r) => ({ ...r, note }));
  const bobRecords = libraryRecords(bob, 3, { status: () => "ready" }).map((r) => ({ ...r, note }));
  const tokens = { alice: "", bob: "" };

  beforeAll(async () => {
    const repository = new DynamoImageRepository(documents(), outputs().table);
    await seedLibrary(repository, [...aliceRecords, ...bobRecords]);
    tokens.alice = await tokenFor(alice);
    tokens.bob = await tokenFor(bob);
  });

  it("answers each user with their own images only, for the words they share", async () => {
    // Act
    const forAlice = await idsFor(tokens.alice, note);
    const forBob = await idsFor(tokens.bob, "platypus");

    // Assess
    expect(forAlice.sort()).toEqual(aliceRecords.map((r) => r.id).sort());
    expect(forBob.sort()).toEqual(bobRecords.map((r) => r.id).sort());
  });

  it("finds similar images among the caller's own, and answers 404 for another user's id", async () => {
    // Prepare
    const [own] = aliceRecords;
    const [foreign] = bobRecords;

    // Act
    const similar = await call<{ items: Array<{ image: { id: string }; score: number; kind: string }> }>(
      "GET",
      `/images/${own?.id}/similar?limit=5`,
      tokens.alice,
    );
    const theirs = await call("GET", `/images/${foreign?.id}/similar`, tokens.alice);
    const missing = await call("GET", "/images/01JZZZZZZZZZZZZZZZZZZZZZZZ/similar", tokens.alice);

    // Assess
    expect(similar.status).toBe(200);
    for (const item of similar.body.items) {
      expect(aliceRecords.map((r) => r.id)).toContain(item.image.id);
      expect(item.image.id).not.toBe(own?.id);
      expect(["duplicate", "near_duplicate", "similar"]).toContain(item.kind);
    }
    expectError(theirs, 404, "image_not_found");
    expectError(missing, 404, "image_not_found");
    expectError(
      await call("GET", `/images/${own?.id}/similar?limit=0`, tokens.alice),
      400,
      "validation_error",
    );
    expectError(
      await call("GET", `/images/${own?.id}/similar?limit=51`, tokens.alice),
      400,
      "validation_error",
    );
  });
});

describe("pagination over 65 hits", () => {
  const userId = `pages-${run}`;
  const other = `pages-other-${run}`;
  const COUNT = 65;
  const records = libraryRecords(userId, COUNT, { status: () => "ready" }).map((r, i) => ({
    ...r,
    note: `kookaburra ${i}`,
  }));
  let token = "";

  beforeAll(async () => {
    await seedLibrary(new DynamoImageRepository(documents(), outputs().table), records);
    token = await tokenFor(userId);
  });

  /** Every page of a query at limit 20. */
  async function allPages(body: Record<string, unknown>): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: ApiResponse<SearchAnswer> = await search(token, {
        ...body,
        limit: 20,
        ...(cursor ? { cursor } : {}),
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(20);
      ids.push(...response.body.items.map((h) => h.image.id));
      cursor = response.body.nextCursor;
      pages++;
    } while (cursor);
    return { ids, pages };
  }

  it("reaches every hit exactly once, from pending changes and from a compacted snapshot alike", async () => {
    // Act
    const pending = await allPages({ query: "kookaburra" });
    await compact(userId);
    const compacted = await allPages({ query: "kookaburra", sort: "date" });

    // Assess
    for (const result of [pending, compacted]) {
      expect(result.pages).toBe(4);
      expect(new Set(result.ids).size).toBe(COUNT);
      expect(result.ids.sort()).toEqual(records.map((r) => r.id).sort());
    }
  });

  it("sorts by date newest first when asked, and filters by creation time", async () => {
    // Prepare
    const from = (records[60] as { createdAt: string }).createdAt;

    // Act
    const newest = await search(token, { query: "kookaburra", sort: "date", limit: 3 });
    const recent = await search(token, { query: "kookaburra", from, limit: 50 });

    // Assess
    expect(newest.body.items.map((h) => h.image.id)).toEqual(
      records
        .slice(-3)
        .map((r) => r.id)
        .reverse(),
    );
    expect(recent.body.items.map((h) => h.image.id).sort()).toEqual(
      records
        .slice(60)
        .map((r) => r.id)
        .sort(),
    );
  });

  it("refuses a tampered cursor, a cursor of another query and a cursor of another user (400 invalid_cursor)", async () => {
    // Prepare
    const first = await search(token, { query: "kookaburra", limit: 20 });
    const cursor = first.body.nextCursor as string;
    const [payload, signature] = cursor.split(".") as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), k: { o: "40" } }),
    ).toString("base64url");

    // Act / Assess
    expectError(
      await search(token, { query: "kookaburra", limit: 20, cursor: `${forged}.${signature}` }),
      400,
      "invalid_cursor",
    );
    expectError(await search(token, { query: "kookaburra", limit: 10, cursor }), 400, "invalid_cursor");
    expectError(
      await search(await tokenFor(other), { query: "kookaburra", limit: 20, cursor }),
      400,
      "invalid_cursor",
    );
  });
});

describe("validation and modes", () => {
  let token = "";
  beforeAll(async () => {
    token = await tokenFor(`valid-${run}`);
  });

  it.each([
    ["no query", {}],
    ["an empty query", { query: "" }],
    ["a blank query", { query: "   " }],
    ["a query over 500 characters", { query: "a".repeat(501) }],
    ["limit 0", { query: "x", limit: 0 }],
    ["limit 51", { query: "x", limit: 51 }],
    ["a fractional limit", { query: "x", limit: 2.5 }],
    ["an unknown mode", { query: "x", mode: "fuzzy" }],
    ["an unknown sort", { query: "x", sort: "size" }],
    ["minScore over 1", { query: "x", minScore: 1.5 }],
    ["a date that is not ISO-8601", { query: "x", from: "yesterday" }],
    ["from after to", { query: "x", from: "2026-02-01", to: "2026-01-01" }],
    ["an unknown field", { query: "x", color: "red" }],
  ])("answers 400 for %s", async (_name, body) => {
    // Act
    const response = await search(token, body);

    // Assess
    expectError(response, 400, "validation_error");
  });

  it("answers 400 for a body that is not JSON, and 401 without a token", async () => {
    // Act
    const notJson = await api("POST", "/images/search", {
      token,
      rawBody: "{query",
      headers: { "Content-Type": "application/json" },
    });
    const anonymous = await api("POST", "/images/search", { body: { query: "x" } });

    // Assess
    expectError(notJson, 400, "invalid_json");
    expectError(anonymous, 401, "unauthorized");
  });

  it("ranks by meaning with embeddings: a query word no image contains finds its synonym's image", async () => {
    // Prepare: embeddings as the stack's (fake) provider makes them; "puppy" lands on "dog".
    const userId = `semantic-${run}`;
    const userToken = await tokenFor(userId);
    const [dog, car] = libraryRecords(userId, 2, { status: () => "ready" }).map((r, i) => {
      const note = i === 0 ? "dog running" : "car parked";
      return { ...r, note, embedding: { model: "fake", vector: fakeEmbedding(note) } };
    }) as [ImageRecord, ImageRecord];
    await seedLibrary(new DynamoImageRepository(documents(), outputs().table), [dog, car]);

    // Act
    const probe = await search(userToken, { query: "puppy" });
    const semantic = await search(userToken, { query: "puppy", mode: "semantic" });
    const text = await search(userToken, { query: "puppy", mode: "text" });

    // Assess
    expect(text.body.items).toEqual([]);
    if (probe.body.mode === "text") {
      expectError(semantic, 409, "semantic_unavailable");
    } else {
      expect(semantic.body.items[0]?.image.id).toBe(dog.id);
      expect(semantic.body.items[0]?.matched).toEqual([]);
      expect(probe.body.items[0]?.image.id).toBe(dog.id);
    }
  });

  it("answers the mode the stack can rank by: semantic needs an embedding provider", async () => {
    // Act
    const hybrid = await search(token, { query: "anything" });
    const text = await search(token, { query: "anything", mode: "text" });
    const semantic = await search(token, { query: "anything", mode: "semantic" });

    // Assess
    expect(hybrid.status).toBe(200);
    expect(text.body.mode).toBe("text");
    if (hybrid.body.mode === "text") {
      // No embedding provider on this stack.
      expectError(semantic, 409, "semantic_unavailable");
    } else {
      expect(hybrid.body.mode).toBe("hybrid");
      expect(semantic.status).toBe(200);
      expect(semantic.body.mode).toBe("semantic");
    }
  });

  it("takes a query with no words (an emoji, a control character, a soft hyphen) in every mode", async () => {
    for (const query of ["🐶", "\b", "\u00ad"]) {
      for (const mode of ["text", "hybrid", "semantic"] as const) {
        // Act
        const answer = await search(token, { query, mode });

        // Assess: a ranking (maybe empty) or, without embeddings, the documented 409; never a 5xx.
        if (answer.status === 409) expectError(answer, 409, "semantic_unavailable");
        else expect(answer.status, `${JSON.stringify(query)} ${mode}`).toBe(200);
      }
    }
  });
});
