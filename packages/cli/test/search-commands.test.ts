/**
 * `search`, `similar` and `upload --skip-duplicates` as a user runs them (the program, in a child
 * process) against a scripted API on loopback: what they ask, what they print, and their exit codes.
 * The real API is exercised by test/e2e/cli.test.ts.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { Image } from "@picstack/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

interface Seen {
  method: string;
  url: string;
  body: string;
}
type Route = (seen: Seen, res: ServerResponse) => void;

let server: Server;
let apiUrl: string;
let routes: Route[];
let seen: Seen[];
let dir: string;

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

const image = (over: Partial<Image> = {}): Image => ({
  id: "img1",
  status: "ready",
  filename: "a.jpg",
  contentType: "image/jpeg",
  size: 3,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  tags: [],
  note: null,
  analysis: { status: "done", tags: [] },
  ...over,
});

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry = { method: req.method ?? "", url: req.url ?? "", body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      const route = routes.shift();
      if (!route)
        return json(res, 500, { error: { code: "unscripted", message: `no route for ${entry.url}` } });
      route(entry, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), "picstack-cli-search-"));
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  routes = [];
  seen = [];
});

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
// The child runs in a temporary folder (no local stack's outputs to find), so tsx is named by its path.
const tsx = pathToFileURL(
  createRequire(import.meta.url)
    .resolve("tsx/package.json")
    .replace(/package\.json$/, "dist/loader.mjs"),
).href;

/** The program, with the scripted API's URL and a token, and no local stack to find. */
async function picstack(...args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PICSTACK_")));
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", tsx, main, ...args, "--api-url", apiUrl, "--token", "t0k"],
      { cwd: dir, env: { ...env, CI: "1" } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const hit = (id: string, score: number, matched: string[], over: Partial<Image> = {}) => ({
  image: image({ id, ...over }),
  score,
  matched,
});

describe("picstack search", () => {
  it("sends the query and filters, and prints the results ranked with score, matched fields and tags", async () => {
    // Prepare
    routes.push((_, res) =>
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
    const ran = await picstack(
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
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(["POST /images/search"]);
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({
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
    routes.push((_, res) =>
      json(res, 200, { items: [hit("a", 0.9, ["text"])], nextCursor: "c1", mode: "text" }),
    );
    routes.push((_, res) => json(res, 200, { items: [], nextCursor: "c2", mode: "text" }));
    routes.push((_, res) =>
      json(res, 200, { items: [hit("b", 0.2, ["tags"])], nextCursor: null, mode: "text" }),
    );
    // Act
    const ran = await picstack("search", "sea", "--all", "--json");
    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    const answer = JSON.parse(ran.stdout) as { items: { image: { id: string } }[]; mode: string };
    expect(answer.items.map((i) => i.image.id)).toEqual(["a", "b"]);
    expect(answer.mode).toBe("text");
    expect(answer).not.toHaveProperty("nextCursor");
    expect(seen.map((s) => (JSON.parse(s.body) as { cursor?: string }).cursor)).toEqual([
      undefined,
      "c1",
      "c2",
    ]);
  });

  it("says when a hybrid search was answered by words alone, and that more pages follow", async () => {
    // Prepare
    routes.push((_, res) =>
      json(res, 200, { items: [hit("a", 0.5, ["filename"])], nextCursor: "c1", mode: "text" }),
    );
    // Act
    const ran = await picstack("search", "sea");
    // Assess
    expect(ran.code).toBe(0);
    expect(ran.stderr).toContain("searched by text only: the server has no embedding provider");
    expect(ran.stderr).toContain("more results: use --all");
  });

  it("exits 1 with the API's code when semantic search is unavailable, and says what to use instead", async () => {
    // Prepare
    routes.push((_, res) =>
      json(res, 409, {
        error: { code: "semantic_unavailable", message: "Semantic search is not configured" },
      }),
    );
    // Act
    const ran = await picstack("search", "sea", "--mode", "semantic");
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
    const ran = await picstack(...args);
    // Assess
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(message);
    expect(seen).toEqual([]);
  });
});

describe("picstack similar", () => {
  it("prints kind, score, id and filename, most alike first, and takes --limit", async () => {
    // Prepare
    routes.push((_, res) =>
      json(res, 200, {
        items: [
          { image: image({ id: "twin", filename: "copy.jpg" }), score: 1, kind: "duplicate" },
          { image: image({ id: "crop", filename: "crop.jpg" }), score: 0.87, kind: "near_duplicate" },
          { image: image({ id: "alike", filename: "other.jpg" }), score: 0.5, kind: "similar" },
        ],
      }),
    );
    // Act
    const ran = await picstack("similar", "orig", "--limit", "3");
    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(["GET /images/orig/similar?limit=3"]);
    expect(
      ran.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split(/\s+/)),
    ).toEqual([
      ["KIND", "SCORE", "ID", "FILENAME"],
      ["duplicate", "1.00", "twin", "copy.jpg"],
      ["near_duplicate", "0.87", "crop", "crop.jpg"],
      ["similar", "0.50", "alike", "other.jpg"],
    ]);
  });

  it("prints JSON, says so when there are none, and exits 1 for an unknown id", async () => {
    // Prepare
    routes.push((_, res) => json(res, 200, { items: [] }));
    routes.push((_, res) => json(res, 200, { items: [] }));
    routes.push((_, res) =>
      json(res, 404, { error: { code: "image_not_found", message: "No image with that id" } }),
    );
    // Act
    const asJson = await picstack("similar", "a", "--json");
    const none = await picstack("similar", "a");
    const missing = await picstack("similar", "nope");
    // Assess
    expect(JSON.parse(asJson.stdout)).toEqual({ items: [] });
    expect(none).toMatchObject({ code: 0, stdout: "no similar images\n" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("(image_not_found)");
  });

  it("takes exactly one id (exit 2)", async () => {
    // Act / Assess
    expect((await picstack("similar")).code).toBe(2);
    expect((await picstack("similar", "a", "b")).code).toBe(2);
    expect(seen).toEqual([]);
  });
});

describe("picstack upload --skip-duplicates", () => {
  const created = (id: string, duplicates: string[]) => ({
    image: image({ id, status: "pending" }),
    upload: { method: "PUT", url: `${apiUrl}/storage/${id}`, expiresAt: "2030-01-01T00:00:00.000Z" },
    duplicates,
  });

  it("sends each file's SHA-256, skips a file the user has, and uploads a second copy only after the first", async () => {
    // Prepare: old.jpg is already uploaded (as "have"); new.jpg and copy.jpg are the same new bytes.
    const oldBytes = Buffer.from("old bytes");
    const newBytes = Buffer.from("new bytes");
    await writeFile(join(dir, "old.jpg"), oldBytes);
    await writeFile(join(dir, "new.jpg"), newBytes);
    await writeFile(join(dir, "copy.jpg"), newBytes);
    const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    const byDigest = new Map<string, string[]>([[digest(oldBytes), ["have"]]]);
    const ok = (_: Seen, res: ServerResponse) => {
      res.writeHead(200);
      res.end();
    };
    // The API as the contract has it: duplicates are the images made earlier with the same digest.
    const serve: Route = (s, res) => {
      if (s.method === "POST" && s.url === "/images") {
        const { sha256, filename } = JSON.parse(s.body) as { sha256: string; filename: string };
        const id = `new-${filename}`;
        const duplicates = byDigest.get(sha256) ?? [];
        byDigest.set(sha256, [...duplicates, id]);
        return json(res, 201, created(id, duplicates));
      }
      if (s.method === "GET" && s.url.startsWith("/images/")) {
        const id = s.url.slice("/images/".length);
        return json(res, 200, image({ id, filename: id === "have" ? "old.jpg" : "new.jpg" }));
      }
      if (s.method === "DELETE") {
        res.writeHead(204);
        return res.end();
      }
      return ok(s, res);
    };
    for (let i = 0; i < 20; i++) routes.push(serve);
    // Act
    const ran = await picstack(
      "upload",
      join(dir, "old.jpg"),
      join(dir, "new.jpg"),
      join(dir, "copy.jpg"),
      "--skip-duplicates",
      "--no-wait",
      "--json",
    );
    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    const results = JSON.parse(ran.stdout) as { file: string; ok: boolean; status: string; id: string }[];
    expect(results.map((r) => [r.file.split("/").pop(), r.ok, r.status, r.id])).toEqual([
      ["old.jpg", true, "skipped", "have"],
      ["new.jpg", true, "pending", "new-new.jpg"],
      ["copy.jpg", true, "skipped", "new-new.jpg"],
    ]);
    const posted = seen
      .filter((s) => s.method === "POST")
      .map((s) => JSON.parse(s.body) as { sha256: string });
    expect(posted.map((p) => p.sha256).sort()).toEqual(
      [digest(oldBytes), digest(newBytes), digest(newBytes)].sort(),
    );
    // Only new.jpg's bytes went to storage; the records made for the two skipped files were deleted.
    expect(seen.filter((s) => s.method === "PUT").map((s) => s.url)).toEqual(["/storage/new-new.jpg"]);
    expect(
      seen
        .filter((s) => s.method === "DELETE")
        .map((s) => s.url)
        .sort(),
    ).toEqual(["/images/new-copy.jpg", "/images/new-old.jpg"]);
  });

  it("reports skipped files in words and in the summary", async () => {
    // Prepare
    await writeFile(join(dir, "again.jpg"), Buffer.from("again"));
    routes.push((_, res) => json(res, 201, created("fresh", ["have"])));
    routes.push((_, res) => json(res, 200, image({ id: "have", filename: "first.jpg" })));
    routes.push((_, res) => {
      res.writeHead(204);
      res.end();
    });
    // Act
    const ran = await picstack("upload", join(dir, "again.jpg"), "--skip-duplicates");
    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toContain("skipped: already uploaded as have (first.jpg)");
    expect(ran.stderr).toContain("0 of 1 uploaded, 1 skipped (already uploaded)");
  });

  it("sends no SHA-256 without the option", async () => {
    // Prepare
    await writeFile(join(dir, "plain.jpg"), Buffer.from("plain"));
    routes.push((_, res) => json(res, 201, created("p", [])));
    routes.push((_, res) => {
      res.writeHead(200);
      res.end();
    });
    // Act
    const ran = await picstack("upload", join(dir, "plain.jpg"), "--no-wait", "--json");
    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(seen[0]?.body ?? "")).not.toHaveProperty("sha256");
  });
});
