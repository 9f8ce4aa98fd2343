/**
 * `picstack search` as a user runs it, against a scripted API: the query and filters it sends, the
 * ranked table and JSON it prints, what it says on stderr, and its exit codes.
 * The real API: test/e2e/cli.test.ts.
 */
import type { Image } from "@picstack/sdk";
import { describe, expect, it } from "vitest";
import { image, json, scriptedApi } from "./scripted-api.js";

const api = scriptedApi();

const hit = (id: string, score: number, matched: string[], over: Partial<Image> = {}) => ({
  image: image({ id, ...over }),
  score,
  matched,
});

describe("picstack search", () => {
  it("sends the query and filters, and prints the results ranked with score, matched fields and tags", async () => {
    // Prepare
    api.routes.push((_, res) =>
      json(res, 200, {
        items: [
          hit("id-sea", 0.913, ["note", "description"], { filename: "sea.jpg", tags: ["beach", "blue"] }),
          hit("id-pier", 0.4, [], { filename: "pier.jpg" }),
        ],
        nextCursor: null,
        mode: "hybrid",
      }),
    );
    // Act: an unquoted query's words are one query.
    const ran = await api.picstack(
      "search",
      "pier",
      "at",
      "dawn",
      "--tag",
      "beach",
      "--from",
      "2026-01-01",
      "--to",
      "2026-01-31",
      "--mode",
      "hybrid",
      "--sort",
      "date",
      "--min-score",
      "0.25",
      "--limit",
      "10",
    );
    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual(["POST /images/search"]);
    expect(JSON.parse(api.seen[0]?.body ?? "")).toEqual({
      query: "pier at dawn",
      limit: 10,
      tag: "beach",
      from: "2026-01-01T00:00:00.000Z",
      to: "2026-01-31T23:59:59.999Z",
      mode: "hybrid",
      sort: "date",
      minScore: 0.25,
    });
    const lines = ran.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^#\s+ID\s+SCORE\s+MATCHED\s+TAGS\s+FILENAME$/);
    expect(lines[1]?.split(/\s+/)).toEqual([
      "1",
      "id-sea",
      "0.91",
      "note,description",
      "beach,blue",
      "sea.jpg",
    ]);
    expect(lines[2]?.split(/\s+/)).toEqual(["2", "id-pier", "0.40", "-", "-", "pier.jpg"]);
    expect(ran.stderr).toBe("");
  });

  it("follows every page with --all and prints them as one JSON answer with the mode", async () => {
    // Prepare
    api.routes.push((_, res) =>
      json(res, 200, { items: [hit("a", 0.9, ["text"])], nextCursor: "c1", mode: "text" }),
    );
    api.routes.push((_, res) => json(res, 200, { items: [], nextCursor: "c2", mode: "text" }));
    api.routes.push((_, res) =>
      json(res, 200, { items: [hit("b", 0.2, ["tags"])], nextCursor: null, mode: "text" }),
    );
    // Act
    const ran = await api.picstack("search", "sea", "--all", "--json");
    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    const answer = JSON.parse(ran.stdout) as { items: { image: { id: string } }[]; mode: string };
    expect(answer.items.map((i) => i.image.id)).toEqual(["a", "b"]);
    expect(answer.mode).toBe("text");
    expect(answer).not.toHaveProperty("nextCursor");
    expect(api.seen.map((s) => (JSON.parse(s.body) as { cursor?: string }).cursor)).toEqual([
      undefined,
      "c1",
      "c2",
    ]);
  });

  it("says when a hybrid search was answered by words alone, and that more pages follow", async () => {
    // Prepare
    api.routes.push((_, res) =>
      json(res, 200, { items: [hit("a", 0.5, ["filename"])], nextCursor: "c1", mode: "text" }),
    );
    // Act
    const ran = await api.picstack("search", "sea");
    // Assess
    expect(ran.code).toBe(0);
    expect(ran.stderr).toContain("searched by text only: the server has no embedding provider");
    expect(ran.stderr).toContain("more results: use --all");
  });

  it("exits 1 with the API's code when semantic search is unavailable, and says what to use instead", async () => {
    // Prepare
    api.routes.push((_, res) =>
      json(res, 409, {
        error: { code: "semantic_unavailable", message: "Semantic search is not configured" },
      }),
    );
    // Act
    const ran = await api.picstack("search", "sea", "--mode", "semantic");
    // Assess
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain("try --mode hybrid or text");
    expect(ran.stderr).toContain("picstack: Semantic search is not configured (semantic_unavailable)");
  });

  it.each([
    [["search"], "search needs a query"],
    [["search", "x".repeat(501)], "a query is at most 500 characters"],
    [["search", "sea", "--mode", "fuzzy"], "--mode must be hybrid, text or semantic"],
    [["search", "sea", "--sort", "size"], "--sort must be relevance or date"],
    [["search", "sea", "--min-score", "1.5"], "--min-score must be a number from 0 to 1"],
    [["search", "sea", "--min-score", "high"], "--min-score must be a number from 0 to 1"],
    [["search", "sea", "--limit", "51"], "--limit must be a whole number from 1 to 50"],
    [["search", "sea", "--tag", "a", "--tag", "b"], "search filters by one --tag at a time"],
    [["search", "sea", "--min-scor", "0.5"], "unknown option --min-scor; did you mean --min-score?"],
    [["search", "sea", "--concurrency", "2"], "search does not take --concurrency"],
  ])("refuses %j as a usage error (exit 2) before calling the API", async (args, message) => {
    // Act
    const ran = await api.picstack(...args);
    // Assess
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(message);
    expect(api.seen).toEqual([]);
  });
});
