/**
 * Scale: one user with a real-sized library (1,200 images, 200 sharing one tag, the status mix of a real
 * library, a few deleted), written through the real repository into the stack's table. Every filter
 * and combination answers 200 through the API, paging reaches each matching image exactly once, and
 * each request's DynamoDB work stays within a fixed bound. The bound is read from the list Lambda's own
 * log line per request (`list read`, with its calls and items read), from its CloudWatch log group, as
 * an operator would read it in AWS (the emulator writes function output there, not to its own log).
 * Search over the same library, paged to the end, reaches every searchable image exactly once, from the
 * pending changes and again from a compacted snapshot.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { DynamoImageRepository, LIST_MAX_CALLS, LIST_READ_BUDGET } from "@picstack/adapters/dynamodb";
import type { ImageRecord } from "@picstack/core";
import { emulatorClientConfig } from "@picstack/local";
import { LIBRARY_START, LIBRARY_STEP_MS, libraryRecords, seedLibrary } from "../library.js";
import type { Context } from "./context.js";
import { assert, type Report, sleep } from "./harness.js";

const CATEGORY = "Scale";
const IMAGES = 1200;
/** Per request: growing index pages and the records of tag hits (see the repository's list). */
const MAX_CALLS = LIST_MAX_CALLS;
const MAX_ITEMS_READ = 2 * LIST_READ_BUDGET;

interface ListRead {
  calls: number;
  itemsRead: number;
  items: number;
}

export async function scale(ctx: Context, report: Report): Promise<void> {
  const userId = `scale-${Date.now().toString(36)}`;
  const records = libraryRecords(userId, IMAGES, {
    tags: (i) => [...(i % 6 === 0 ? ["shared"] : []), ...(i % 3 === 0 ? ["common"] : [])],
  });
  const repository = new DynamoImageRepository(ctx.documents, ctx.outputs.table);
  const deleted = new Set<string>();
  let seedSeconds = 0;

  const seeded = await report.check(
    CATEGORY,
    `${IMAGES} images of one user written through the repository`,
    async () => {
      const started = Date.now();
      await seedLibrary(repository, records);
      for (const record of records.filter((_, i) => i % 53 === 4)) {
        await repository.softDelete(record, new Date().toISOString());
        deleted.add(record.id);
      }
      seedSeconds = (Date.now() - started) / 1000;
      const shared = records.filter((r) => r.tags.includes("shared")).length;
      assert(shared >= 150, `only ${shared} share the tag`);
      return `${IMAGES} images (${shared} tagged shared, ${deleted.size} deleted) in ${seedSeconds.toFixed(1)} s`;
    },
  );
  if (!seeded) return;

  const token = await ctx.token(userId);
  const visible = records.filter((r) => !deleted.has(r.id));
  const at = (i: number) => new Date(LIBRARY_START + i * LIBRARY_STEP_MS).toISOString();
  type Query = {
    tag?: string;
    status?: ImageRecord["status"];
    from?: string;
    to?: string;
    order?: "asc" | "desc";
  };
  const cases: Array<{ name: string; query: Query; limit: number }> = [
    { name: "no filter", query: {}, limit: 100 },
    { name: "no filter, oldest first", query: { order: "asc" }, limit: 100 },
    { name: "from/to", query: { from: at(300), to: at(899) }, limit: 100 },
    { name: "status ready", query: { status: "ready" }, limit: 100 },
    { name: "status pending, oldest first", query: { status: "pending", order: "asc" }, limit: 7 },
    { name: "status failed with from/to", query: { status: "failed", from: at(200), to: at(999) }, limit: 7 },
    { name: "tag shared (200 images)", query: { tag: "shared" }, limit: 100 },
    { name: "tag shared, limit 1", query: { tag: "shared" }, limit: 1 },
    {
      name: "tag with from/to, oldest first",
      query: { tag: "common", from: at(100), to: at(700), order: "asc" },
      limit: 7,
    },
    { name: "tag and status, few match", query: { tag: "common", status: "processing" }, limit: 7 },
    { name: "tag and status, most match", query: { tag: "shared", status: "ready" }, limit: 100 },
    {
      name: "tag, status and from/to, oldest first",
      query: { tag: "common", status: "failed", from: at(150), to: at(1050), order: "asc" },
      limit: 7,
    },
    { name: "tag and status, none match", query: { tag: "shared", status: "processing" }, limit: 100 },
  ];

  let requests = 0;
  for (const c of cases) {
    await report.check(CATEGORY, `${c.name}: 200 on every page, each match exactly once`, async () => {
      const q = c.query;
      const expected = visible
        .filter((r) => !q.tag || r.tags.includes(q.tag))
        .filter((r) => !q.status || r.status === q.status)
        .filter((r) => (!q.from || r.createdAt >= q.from) && (!q.to || r.createdAt <= q.to))
        .map((r) => r.id);
      if (q.order !== "asc") expected.reverse();
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const params = new URLSearchParams({ limit: String(c.limit) });
        for (const [k, v] of Object.entries(q)) params.set(k, v);
        if (cursor) params.set("cursor", cursor);
        const answer = await ctx.call("GET", `/images?${params}`, { token });
        requests++;
        pages++;
        assert(answer.status === 200, `page ${pages}: HTTP ${answer.status} ${answer.text.slice(0, 160)}`);
        const body = answer.json as { items: Array<{ id: string }>; nextCursor: string | null };
        assert(body.items.length <= c.limit, `page ${pages} has ${body.items.length} items`);
        seen.push(...body.items.map((i) => i.id));
        cursor = body.nextCursor ?? undefined;
        assert(pages <= IMAGES + 1, "the cursors never end");
      } while (cursor);
      const twice = seen.length - new Set(seen).size;
      assert(twice === 0, `${twice} images came twice`);
      const missing = expected.filter((id) => !seen.includes(id)).length;
      assert(missing === 0, `${missing} of ${expected.length} matching images never came`);
      assert(
        seen.length === expected.length,
        `${seen.length - expected.length} images that do not match came`,
      );
      assert(seen.join() === expected.join(), "the images came out of order");
      return `${expected.length} images in ${pages} pages of ${c.limit}`;
    });
  }

  await report.check(CATEGORY, "every list request's DynamoDB work stays within the bound", async () => {
    // The emulator writes function output as the function prints it; give the last lines a moment.
    let reads: ListRead[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      reads = await listReads(ctx, userId);
      if (reads.length >= requests) break;
      await sleep(1000);
    }
    assert(reads.length === requests, `${reads.length} 'list read' log lines for ${requests} requests`);
    const calls = Math.max(...reads.map((r) => r.calls));
    const itemsRead = Math.max(...reads.map((r) => r.itemsRead));
    assert(calls <= MAX_CALLS, `a request made ${calls} DynamoDB calls (bound ${MAX_CALLS})`);
    assert(itemsRead <= MAX_ITEMS_READ, `a request read ${itemsRead} items (bound ${MAX_ITEMS_READ})`);
    const empty = reads.filter((r) => r.items === 0).length;
    report.figure(CATEGORY, {
      "images of the user": IMAGES,
      "seeding (repository, 16 at a time)": `${seedSeconds.toFixed(1)} s`,
      "list requests": requests,
      "most DynamoDB calls in one request": calls,
      "most items read in one request": itemsRead,
      "mean items read per request": Math.round(reads.reduce((s, r) => s + r.itemsRead, 0) / reads.length),
      "pages that came back empty with a cursor": empty,
      "429s waited out": ctx.rateLimited(),
    });
    return `${requests} requests: at most ${calls} calls and ${itemsRead} items read each`;
  });

  // Search over the same library: every ready, visible image is a document (written with the records),
  // and every filename holds the word "photo". Paged to the end, newest first, from the pending changes
  // alone and again from a snapshot after a forced compaction.
  const searchable = visible.filter((r) => r.status === "ready");
  const searchCases = [
    { name: "all ready images", body: { query: "photo", sort: "date" }, expected: searchable },
    {
      name: "tag shared",
      body: { query: "photo", sort: "date", tag: "shared" },
      expected: searchable.filter((r) => r.tags.includes("shared")),
    },
  ];
  for (const from of ["pending changes", "a compacted snapshot"]) {
    if (from === "a compacted snapshot") {
      const compacted = await report.check(
        CATEGORY,
        "search: the library folded into a snapshot",
        async () => {
          const result = await ctx.lambda.send(
            new InvokeCommand({
              FunctionName: ctx.outputs.functions.indexSearch,
              Payload: new TextEncoder().encode(JSON.stringify({ userId, force: true })),
            }),
          );
          const payload = new TextDecoder().decode(result.Payload);
          assert(!result.FunctionError, `the compactor failed: ${payload.slice(0, 300)}`);
          // The searches above asked the queue's compactor for a fold (over 100 pending): it may have run
          // first, leaving nothing pending, or this forced run folds what is left.
          const outcome = JSON.parse(payload) as { outcome: string; pending?: number; kept?: number };
          const folded =
            (outcome.outcome === "compacted" && outcome.kept === 0) ||
            (outcome.outcome === "skipped" && outcome.pending === 0);
          assert(folded, `the library is not folded into a snapshot: ${payload.slice(0, 200)}`);
          return payload.slice(0, 200);
        },
      );
      if (!compacted) return;
    }
    for (const c of searchCases) {
      await report.check(
        CATEGORY,
        `search from ${from}, ${c.name}: each match once, newest first`,
        async () => {
          const expected = c.expected.map((r) => r.id).reverse();
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const body = JSON.stringify({ ...c.body, limit: 50, ...(cursor ? { cursor } : {}) });
            const answer = await ctx.call("POST", "/images/search", {
              token,
              headers: { "Content-Type": "application/json" },
              body,
            });
            pages++;
            assert(
              answer.status === 200,
              `page ${pages}: HTTP ${answer.status} ${answer.text.slice(0, 160)}`,
            );
            const page = answer.json as {
              items: Array<{ image: { id: string } }>;
              nextCursor: string | null;
            };
            seen.push(...page.items.map((hit) => hit.image.id));
            cursor = page.nextCursor ?? undefined;
            assert(pages <= IMAGES, "the cursors never end");
          } while (cursor);
          assert(seen.length === new Set(seen).size, `${seen.length - new Set(seen).size} images came twice`);
          const deletedSeen = seen.filter((id) => deleted.has(id)).length;
          assert(deletedSeen === 0, `${deletedSeen} deleted images came`);
          assert(
            seen.join() === expected.join(),
            `${seen.length} hits, ${expected.length} expected, or out of order`,
          );
          return `${expected.length} images in ${pages} pages of 50`;
        },
      );
    }
  }
}

async function listReads(ctx: Context, userId: string): Promise<ListRead[]> {
  const logs = new CloudWatchLogsClient(emulatorClientConfig(ctx.outputs.endpoint));
  const reads: ListRead[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: `/aws/lambda/${ctx.outputs.functions.listImages}`,
        filterPattern: '"list read"',
        nextToken,
      }),
    );
    for (const line of (page.events ?? []).flatMap((e) => (e.message ?? "").split("\n"))) {
      const start = line.indexOf("{");
      if (start === -1 || !line.includes('"list read"')) continue;
      const entry = JSON.parse(line.slice(start)) as { message?: string; userId?: string; list?: ListRead };
      if (entry.message === "list read" && entry.userId === userId && entry.list) reads.push(entry.list);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return reads;
}
