/**
 * The search service on in-memory fakes and the real engine: cursors bound to user and query, how the
 * mode degrades without (or with a failing) embedding provider, hits whose record the caller may not
 * see are dropped, and a compaction is asked for only above the threshold, never failing a search.
 */
import { describe, expect, it } from "vitest";
import {
  CursorCodec,
  type EmbeddingProvider,
  EmbeddingUnavailableError,
  ImageNotFoundError,
  type ImageRecord,
  InvalidCursorError,
  QueryEmbeddings,
  type SearchDeps,
  SearchIndex,
  SemanticUnavailableError,
  searchDocOf,
  searchImages,
  searchImagesInput,
  similarImages,
} from "../src/index.js";
import { InMemoryImageRepository, InMemoryObjectStore } from "./fakes.js";

const cursors = new CursorCodec("s".repeat(32));

function record(userId: string, i: number, note: string): ImageRecord {
  const createdAt = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
  return {
    id: `01JAAAAAAAAAAAAAAAAAAAA${String(i).padStart(3, "0")}`,
    userId,
    status: "ready",
    filename: `photo-${i}.jpg`,
    contentType: "image/jpeg",
    size: 100,
    originalKey: `images/2026/01/${i}.jpg`,
    createdAt,
    updatedAt: createdAt,
    note,
    tags: ["trip"],
    analysis: { status: "done", tags: [] },
  };
}

/** A library of `count` images noted "heron {i}", its index holding every document. */
async function library(count: number, extra: Partial<SearchDeps> = {}) {
  const images = new InMemoryImageRepository();
  const engine = SearchIndex.empty();
  const records = Array.from({ length: count }, (_, i) => record("alice", i, `heron ${i}`));
  for (const r of records) {
    await images.create(r);
    const doc = searchDocOf(r);
    if (doc) engine.upsert(doc);
  }
  const deps: SearchDeps = {
    images,
    objects: new InMemoryObjectStore(),
    indexes: { index: async () => ({ engine, pending: 0 }) },
    cursors,
    ...extra,
  };
  return { deps, images, engine, records };
}

const input = (body: Record<string, unknown>) => searchImagesInput.parse(body);

const provider = (embed: EmbeddingProvider["embed"]): EmbeddingProvider => ({
  model: "test",
  dimensions: 3,
  embed,
});

describe("searchImages", () => {
  it("pages through every hit exactly once with signed cursors", async () => {
    // Prepare
    const { deps, records } = await library(25);

    // Act
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await searchImages(
        deps,
        "alice",
        input({ query: "heron", limit: 10, ...(cursor ? { cursor } : {}) }),
      );
      seen.push(...page.items.map((i) => i.image.id));
      cursor = page.nextCursor;
    } while (cursor);

    // Assess
    expect(seen.sort()).toEqual(records.map((r) => r.id).sort());
  });

  it("refuses a cursor of another user or another query", async () => {
    // Prepare
    const { deps } = await library(5);
    const page = await searchImages(deps, "alice", input({ query: "heron", limit: 2 }));
    const cursor = page.nextCursor as string;

    // Act / Assess
    await expect(searchImages(deps, "bob", input({ query: "heron", limit: 2, cursor }))).rejects.toThrow(
      InvalidCursorError,
    );
    await expect(
      searchImages(deps, "alice", input({ query: "heron", limit: 2, cursor, sort: "date" })),
    ).rejects.toThrow(InvalidCursorError);
  });

  it("drops hits whose record is deleted, missing or another user's", async () => {
    // Prepare: the index still holds all three (as a stale index would).
    const { deps, images, records } = await library(4);
    const [deleted, missing, foreign] = records as [ImageRecord, ImageRecord, ImageRecord];
    await images.softDelete(deleted, "2026-02-01T00:00:00.000Z");
    images.records.delete(missing.id);
    images.records.set(foreign.id, { ...foreign, userId: "bob" });
    const warnings: string[] = [];

    // Act
    const page = await searchImages(
      { ...deps, warn: (m) => warnings.push(m) },
      "alice",
      input({ query: "heron" }),
    );

    // Assess
    expect(page.items.map((i) => i.image.id)).toEqual([records[3]?.id]);
    expect(warnings).toHaveLength(1);
  });

  it("answers text for hybrid without a provider, and refuses semantic with 409's error", async () => {
    // Prepare
    const { deps } = await library(2);

    // Act
    const hybrid = await searchImages(deps, "alice", input({ query: "heron" }));

    // Assess
    expect(hybrid.mode).toBe("text");
    expect(hybrid.items).toHaveLength(2);
    await expect(searchImages(deps, "alice", input({ query: "heron", mode: "semantic" }))).rejects.toThrow(
      SemanticUnavailableError,
    );
  });

  it("falls back to text when the provider fails a hybrid search, and refuses a semantic one", async () => {
    // Prepare
    const failing = new QueryEmbeddings(
      provider(async () => {
        throw new Error("provider down");
      }),
    );
    const warnings: string[] = [];
    const { deps } = await library(2, { embeddings: failing, warn: (m) => warnings.push(m) });

    // Act
    const hybrid = await searchImages(deps, "alice", input({ query: "heron" }));

    // Assess
    expect(hybrid.mode).toBe("text");
    expect(hybrid.items).toHaveLength(2);
    expect(warnings).toEqual(["query embedding failed; answering from text"]);
    await expect(searchImages(deps, "alice", input({ query: "heron", mode: "semantic" }))).rejects.toThrow(
      EmbeddingUnavailableError,
    );
  });

  it("asks for a compaction above the threshold only, and a failing request does not fail the search", async () => {
    // Prepare
    const asked: string[] = [];
    const { deps, engine } = await library(1);
    const withPending = (pending: number): SearchDeps => ({
      ...deps,
      indexes: { index: async () => ({ engine, pending }) },
      compactAbove: 100,
      requestCompaction: async (userId) => {
        asked.push(userId);
        throw new Error("queue down");
      },
    });

    // Act
    await searchImages(withPending(100), "alice", input({ query: "heron" }));
    const page = await searchImages(withPending(101), "alice", input({ query: "heron" }));

    // Assess
    expect(asked).toEqual(["alice"]);
    expect(page.items).toHaveLength(1);
  });
});

describe("QueryEmbeddings", () => {
  it("calls the provider once per query text, and keeps at most its size", async () => {
    // Prepare
    const calls: string[] = [];
    const cache = new QueryEmbeddings(
      provider(async (texts) => {
        calls.push(...texts);
        return texts.map(() => [1, 0, 0]);
      }),
      2,
    );

    // Act
    for (const text of ["a", "a", "b", "c", "a"]) await cache.embed(text);

    // Assess: "a" was evicted by "b" and "c", so it is asked again.
    expect(calls).toEqual(["a", "b", "c", "a"]);
  });
});

describe("similarImages", () => {
  it("answers 404's error for another user's or a missing image, like GET", async () => {
    // Prepare
    const { deps, records } = await library(2);

    // Act / Assess
    await expect(similarImages(deps, "bob", records[0]?.id as string, { limit: 5 })).rejects.toThrow(
      ImageNotFoundError,
    );
    await expect(similarImages(deps, "alice", "01JAAAAAAAAAAAAAAAAAAAAZZZ", { limit: 5 })).rejects.toThrow(
      ImageNotFoundError,
    );
  });
});
