/**
 * `npm run bench`: the image step against bare and naive sharp, upload → ready on the local stack, API
 * latency next to a no-op Lambda, list latency at 100 and 10,000 images per user, bundle sizes and
 * module-load times, the cost of 1,000 images, and search on the local stack (latency at 100, 1,000 and
 * 10,000 images, index freshness, the cost of indexing and searching). Prints markdown tables and
 * writes bench/results/latest.json.
 *
 *   npm run bench [-- --only thumbnails,e2e,api,list,coldStart,cost,search] [--quick]
 */
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type RunningStack, repoRoot, startLocalStack } from "@picstack/local";
import sharp from "sharp";
import { startFakeOpenAi } from "../test/fake-openai.js";
import { type ApiResult, apiLatency } from "./api.js";
import { type ColdStartRow, coldStart } from "./cold-start.js";
import { type CostResult, costPer1000, type Measured, type SearchCostResult, searchCost } from "./cost.js";
import { type E2eResult, e2e } from "./e2e.js";
import { type ListResult, listLatency } from "./list.js";
import { type SearchStackResult, searchStack } from "./search-stack.js";
import { round } from "./stats.js";
import { JPEG_12MP, type ThumbnailResult, thumbnails } from "./thumbnails.js";

const SECTIONS = ["thumbnails", "e2e", "api", "list", "coldStart", "cost", "search"] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: { only: { type: "string" }, quick: { type: "boolean", default: false } },
});
const requested = values.only ? values.only.split(",").map((s) => s.trim()) : [...SECTIONS];
const unknown = requested.filter((s) => !(SECTIONS as ReadonlyArray<string>).includes(s));
if (unknown.length > 0) {
  process.stderr.write(`unknown section(s): ${unknown.join(", ")}; choose from ${SECTIONS.join(", ")}\n`);
  process.exit(2);
}
const only = new Set(requested as Section[]);
// The bench's own stack, beside a developer's on 4566/5173.
const port = Number(process.env.PICSTACK_BENCH_PORT ?? 4700);
const webPort = Number(process.env.PICSTACK_BENCH_WEB_PORT ?? 5300);
const quick = values.quick ?? false;
const started = Date.now();
const log = (section: string) => (m: string) =>
  process.stderr.write(`[bench ${round((Date.now() - started) / 1000, 0)}s] ${section}: ${m}\n`);

interface Results {
  machine: Record<string, unknown>;
  thumbnails?: ThumbnailResult;
  e2e?: E2eResult;
  api?: ApiResult;
  list?: ListResult;
  coldStart?: Record<string, ColdStartRow>;
  costPer1000?: CostResult;
  search?: SearchStackResult & { cost: SearchCostResult; wallSeconds: number };
  wallSeconds?: number;
}

const results: Results = {
  machine: {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
    date: new Date().toISOString(),
    quick,
    sections: [...only],
  },
};

if (only.has("thumbnails")) results.thumbnails = await thumbnails(quick, log("thumbnails"));

/** Runs `work` on a stack of the bench's own (MiniStack on the bench's port), stopped afterwards. */
async function onStack(
  settings: Parameters<typeof startLocalStack>[0]["settings"],
  work: (stack: RunningStack, home: string) => Promise<void>,
): Promise<void> {
  const home = join(repoRoot, ".picstack/bench");
  log("stack")(`starting MiniStack on port ${port} and deploying`);
  let stack: RunningStack | undefined;
  const stop = async () => {
    const running = stack;
    stack = undefined;
    await running?.stop();
  };
  // Ctrl-C must not leave MiniStack and its Lambda workers behind.
  const onSignal = () => void stop().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    stack = await startLocalStack({
      target: "ministack",
      port,
      webPort,
      home,
      persist: false,
      settings,
      localstackEndpoint: "http://localhost:4566",
      log: log("stack"),
    });
    await work(stack, home);
  } finally {
    await stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

if (only.has("e2e") || only.has("api") || only.has("list")) {
  await onStack(
    {
      PICSTACK_ANALYSIS_PROVIDER: "basic",
      // The list section reads one user's pages hundreds of times in a row; the limiter does the same
      // work at any setting, so a larger read bucket only keeps 429s out of the latencies.
      ...(only.has("list")
        ? { PICSTACK_RATE_LIMITS: JSON.stringify({ read: { capacity: 100_000, refillPerSecond: 1000 } }) }
        : {}),
    },
    async (stack, home) => {
      if (only.has("e2e")) {
        results.e2e = await e2e(stack.outputs, home, { n: quick ? 10 : 50, concurrency: 5, log: log("e2e") });
      }
      if (only.has("api")) {
        results.api = await apiLatency(stack.outputs, home, {
          requests: quick ? 60 : 300,
          warmup: quick ? 16 : 32,
          log: log("api"),
        });
      }
      if (only.has("list")) {
        results.list = await listLatency(stack.outputs, home, {
          requests: quick ? 20 : 60,
          warmup: quick ? 5 : 10,
          log: log("list"),
        });
      }
    },
  );
}

if (only.has("search")) {
  // A stack of its own: with an embedding provider (the fake OpenAI-compatible server on 127.0.0.1), so
  // hybrid ranking and the worker's embedding call are measured, which the other sections' stack has not.
  const sectionStarted = Date.now();
  const openAi = await startFakeOpenAi();
  try {
    await onStack(
      {
        PICSTACK_ANALYSIS_PROVIDER: "basic",
        PICSTACK_EMBEDDING_PROVIDER: "openai",
        OPENAI_BASE_URL: openAi.baseURL,
        OPENAI_API_KEY: "bench-key",
        // Searches are polled and repeated from one user; the limiter's work is the same at any setting.
        PICSTACK_RATE_LIMITS: JSON.stringify({
          read: { capacity: 100_000, refillPerSecond: 1000 },
          write: { capacity: 1000, refillPerSecond: 100 },
        }),
      },
      async (stack, home) => {
        const measured = await searchStack(stack.outputs, home, { quick, openAi, log: log("search") });
        results.search = {
          ...measured,
          cost: searchCost(measured),
          wallSeconds: round((Date.now() - sectionStarted) / 1000, 0),
        };
      },
    );
  } finally {
    await openAi.close();
  }
}

if (only.has("coldStart"))
  results.coldStart = await coldStart({
    endpoint: `http://127.0.0.1:${port}`,
    webOrigin: `http://127.0.0.1:${webPort}`,
    runs: quick ? 3 : 5,
    log: log("coldStart"),
  });

if (only.has("cost")) {
  const t = results.thumbnails;
  const jpeg = t?.inputs[JPEG_12MP];
  const getRow = results.api?.rows.find((r) => r.route === "GET /images/{id}" && r.concurrency === 1);
  const sources: Record<string, string> = {
    imageWork: jpeg ? "measured: thumbnails, 12 MP JPEG" : "default (thumbnails not run): 2024-era figures",
    apiHandler: getRow
      ? "measured: GET /images/{id} p50 minus no-op p50, concurrency 1"
      : "default (api not run)",
    storedBytes: jpeg ? "measured: 12 MP JPEG and its thumbnails" : "default (thumbnails not run)",
    recordBytes: results.e2e ? "measured: a stored record after analysis (e2e)" : "default (e2e not run)",
  };
  const measured: Measured = {
    inspectMs: t?.inspectMs ?? 2,
    thumbnailsMs: jpeg?.msEach ?? 60,
    renditionMs: t?.analysisRendition.ms ?? 10,
    apiHandlerMs: getRow ? Math.max(0, getRow.overheadP50Ms) : 20,
    originalBytes: jpeg?.bytes ?? 3_000_000,
    thumbBytes: jpeg?.thumbBytes ?? 5_000,
    previewBytes: jpeg?.previewBytes ?? 40_000,
    recordBytes: results.e2e?.stored.recordBytes ?? 1500,
    renditionWidth: t?.analysisRendition.width ?? 512,
    renditionHeight: t?.analysisRendition.height ?? 384,
    previewWidth: Number(jpeg?.previewSize.split("×")[0] ?? 1024),
    previewHeight: Number(jpeg?.previewSize.split("×")[1] ?? 768),
    sources,
  };
  results.costPer1000 = await costPer1000(measured);
}

results.wallSeconds = round((Date.now() - started) / 1000, 0);
const out = join(repoRoot, "bench/results/latest.json");
await mkdir(join(repoRoot, "bench/results"), { recursive: true });
// A run of some sections keeps the others' last results, marked with the run they came from.
const previous = values.only ? await readPrevious(out) : undefined;
const kept: Record<string, unknown> = {};
if (previous) {
  const keys = ["thumbnails", "e2e", "api", "list", "coldStart", "costPer1000", "search"] as const;
  for (const key of keys) {
    if (results[key] === undefined && previous[key] !== undefined) kept[key] = previous[key];
  }
  if (Object.keys(kept).length > 0) {
    results.machine.keptFromEarlierRun = { date: previous.machine?.date, sections: Object.keys(kept) };
  }
}
const { machine, ...measured } = results;
await writeFile(out, `${JSON.stringify({ machine, ...kept, ...measured }, null, 2)}\n`);
// In the repository's own format, so a committed run passes `npm run lint` as written.
execFileSync(join(repoRoot, "node_modules/.bin/biome"), ["format", "--write", out], { stdio: "ignore" });

async function readPrevious(
  path: string,
): Promise<(Partial<Results> & { machine?: { date?: string } }) | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch {
    return undefined;
  }
}
process.stdout.write(`${report(results)}\n`);

function mark(ok: boolean): string {
  return ok ? "✅ met" : "❌ missed";
}

function kib(bytes: number): string {
  return `${round(bytes / 1024, 0)} KiB`;
}

function report(r: Results): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(
    "## Picstack benchmarks",
    "",
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, sharp ${m.sharp} (libvips ${m.libvips}), ${m.date}${quick ? " — QUICK run" : ""}`,
    "",
  );
  const t = r.thumbnails;
  if (t) {
    const s = t.settings;
    lines.push(
      `### Image step: thumb ${s.thumbSize} px + preview ${s.previewSize} px WebP (q${s.webpQuality}, effort ${s.webpEffort}), one core, sequential`,
      "",
      "| input | production/s | bare sharp/s | naive/s | production ms | outputs |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const [name, d] of Object.entries(t.inputs)) {
      lines.push(
        `| ${name}, ${kib(d.bytes)} | ${d.perSecond} | ${d.bareSharpPerSecond} | ${d.naivePerSecond} | ${d.msEach} | ${d.previewSize} ${kib(d.previewBytes)}, ${d.thumbSize} ${kib(d.thumbBytes)} |`,
      );
    }
    lines.push(
      `| **both (harmonic mean)** | **${t.perSecond}** | **${t.bareSharpPerSecond}** | **${t.naivePerSecond}** | | |`,
      "",
      `- production / bare: **${t.vsBare}** (target ≥ ${t.targets.vsBare}) ${mark(t.vsBare >= t.targets.vsBare)}`,
      `- production / naive: **${t.vsNaive}** (target ≥ ${t.targets.vsNaive}) ${mark(t.vsNaive >= t.targets.vsNaive)}`,
      `- inspect (header + EXIF): ${t.inspectMs} ms; AI rendition ${t.analysisRendition.width}×${t.analysisRendition.height} from the preview: ${t.analysisRendition.ms} ms, ${kib(t.analysisRendition.bytes)}`,
      "",
      "| WebP effort (12 MP JPEG) | ms per image | preview | thumb |",
      "| --- | --- | --- | --- |",
    );
    for (const e of t.effort) {
      lines.push(
        `| ${e.effort}${e.effort === s.webpEffort ? " (production)" : ""} | ${e.msEach} | ${kib(e.previewBytes)} | ${kib(e.thumbBytes)} |`,
      );
    }
    const h = t.heic;
    if (h) {
      lines.push(
        "",
        "| HEIC (libheif in WebAssembly) | first file | inspect | decode | thumbnails | peak RSS |",
        "| --- | --- | --- | --- | --- | --- |",
        `| ${h.input}, ${kib(h.bytes)} | ${h.firstInspectMs} ms | ${h.inspectMs} ms | ${h.decodeMs} ms | ${h.thumbnailsMs} ms | ${h.peakRssMiB} MiB |`,
      );
    }
    lines.push("");
  }
  const e = r.e2e;
  if (e) {
    lines.push(
      `### Upload → ready and analysed (local stack, basic provider, ${e.photo}, polled every ${e.pollIntervalMs} ms from the end of the PUT)`,
      "",
      "| uploads | in flight | p50 | p95 | p99 | max | ready (before analysis) p50 | throughput |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      `| ${e.sequential.n} | 1 | ${e.sequential.p50Ms} ms | ${e.sequential.p95Ms} ms | ${e.sequential.p99Ms} ms | ${e.sequential.maxMs} ms | ${e.sequential.readyP50Ms} ms | |`,
      `| ${e.concurrent.n} | ${e.concurrent.concurrency} | ${e.concurrent.p50Ms} ms | ${e.concurrent.p95Ms} ms | ${e.concurrent.p99Ms} ms | ${e.concurrent.maxMs} ms | | ${e.concurrent.imagesPerSecond} images/s |`,
      "",
      `Stored per 3 MP upload: record ${e.stored.recordBytes} B, thumb ${kib(e.stored.thumbBytes)}, preview ${kib(e.stored.previewBytes)}.`,
      "",
    );
  }
  const a = r.api;
  if (a) {
    lines.push(
      "### API latency through API Gateway (local stack) vs a no-op Lambda behind the same gateway",
      "",
      "| route | concurrency | requests | p50 | p99 | no-op p50 | no-op p99 | p50 ratio | p50 overhead |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const row of a.rows) {
      lines.push(
        `| ${row.route} | ${row.concurrency} | ${row.requests} | ${row.p50Ms} ms | ${row.p99Ms} ms | ${row.bareP50Ms} ms | ${row.bareP99Ms} ms | ${row.ratioP50}× | ${row.overheadP50Ms} ms |`,
      );
    }
    lines.push("");
  }
  const l = r.list;
  if (l) {
    lines.push(
      `### List latency at library size: GET /images, first page of ${l.limit}, concurrency 1 (local stack)`,
      "",
      "| filter | images | p50 | p95 | DynamoDB calls | items read | p95 at 10,000 / at 100 |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const row of l.rows) {
      const ratio = row.images === 10_000 ? l.p95Ratio[row.filter] : undefined;
      lines.push(
        `| ${row.filter} | ${row.images} | ${row.p50Ms} ms | ${row.p95Ms} ms | ${row.calls} | ${row.itemsRead} | ${ratio === undefined ? "" : `${ratio}× (target ≤ ${l.target}) ${mark(ratio <= l.target)}`} |`,
      );
    }
    const bounded = l.most.calls <= l.bound.calls && l.most.itemsRead <= l.bound.itemsRead;
    lines.push(
      "",
      `- DynamoDB work per request, at both sizes: at most **${l.most.calls} calls and ${l.most.itemsRead} items read** (bound ${l.bound.calls} and ${l.bound.itemsRead}) ${mark(bounded)}`,
      `- The emulator alone: a bare one-item Query on the user's index partition has p95 ${l.emulatorQueryP95Ms["100"]} ms at 100 images and ${l.emulatorQueryP95Ms["10000"]} ms at 10,000 (it sorts the whole partition on every query; DynamoDB reads only the page). Seeding ${l.seedSeconds} s.`,
      "",
    );
  }
  const c = r.coldStart;
  if (c) {
    lines.push(
      "### Bundles (the deployed assets, sharp layer excluded) and module load (median of fresh node processes)",
      "",
      "| function | memory | bundle | zipped | module load | < 1 MB |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const [id, row] of Object.entries(c)) {
      lines.push(
        `| ${id} | ${row.memorySize} MB | ${kib(row.bundleBytes)} | ${kib(row.zipBytes)} | ${row.loadMs} ms | ${row.underOneMb ? "✅" : "❌ ≥ 1 MB"} |`,
      );
    }
    for (const [id, row] of Object.entries(c)) {
      if (!row.largest) continue;
      const parts = Object.entries(row.largest).map(([name, bytes]) => `${name} ${kib(bytes)}`);
      lines.push("", `Largest parts of ${id}: ${parts.join(", ")}.`);
    }
    lines.push("");
  }
  const cost = r.costPer1000;
  if (cost) {
    lines.push(
      `### Cost of 1,000 images, AWS us-east-1 + ${cost.model} (list prices as of ${cost.pricesTakenOn}, bench/prices.ts)`,
      "",
      "| item | USD |",
      "| --- | --- |",
    );
    for (const [k, v] of Object.entries(cost.breakdown)) lines.push(`| ${k} | ${v} |`);
    lines.push(
      `| **total** | **${cost.usd}** (target < ${cost.target}) ${mark(cost.usd < cost.target)} |`,
      "",
      `AI input per image: ${cost.tokens.image} image tokens (${cost.aiImage.width}×${cost.aiImage.height}, 32 px patches × multiplier) + ${cost.tokens.promptText} prompt + ${cost.tokens.schema} schema + ${cost.tokens.framing} framing tokens (text at ~4 characters per token); output ~${cost.tokens.output} tokens (a typical answer, ~4 characters per token).`,
      `Per image: ${cost.counts.apiCalls} API calls (${cost.counts.getImagePolls} polls), worker ${cost.counts.workerMs} ms at ${round(cost.counts.workerCpuShare * 100, 0)}% of a vCPU (AI wait ${cost.assumptions.aiWaitMs} ms assumed), ${cost.counts.dynamoWriteUnits} DynamoDB write units, ${cost.counts.dynamoReadUnits} read units, ${cost.counts.s3Writes} S3 PUTs, ${cost.counts.s3Reads} GETs, ${cost.counts.sqsRequests} SQS requests.`,
      "",
      "| what if | USD per 1,000 |",
      "| --- | --- |",
    );
    for (const w of cost.whatIf) lines.push(`| ${w.change} | ${w.usd} |`);
    const indexed = r.search?.cost.perThousandIndexed["10000"];
    const searches = r.search?.cost.perThousandSearches["10000"];
    if (indexed && searches) {
      lines.push(
        "",
        `Search (with embeddings, libraries of 10,000) adds ${indexed.usd} USD per 1,000 images indexed and costs ${searches.usd} USD per 1,000 searches: see the search section.`,
      );
    }
    lines.push("");
  }
  const sr = r.search;
  if (sr) {
    lines.push(
      `### Search on the local stack: POST /images/search through API Gateway, concurrency 1 (${sr.model} at ${sr.dimensions} dimensions from a fake OpenAI-compatible server on 127.0.0.1)`,
      "",
      "| images | mode | warm p50 | warm p95 | warm p95 by query (common / rare / 2 words / prefix / typo) | cold p50 | cold p95 | cold n |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const row of sr.rows) {
      const k = row.warmP95ByKind;
      lines.push(
        `| ${row.images} | ${row.mode} | ${row.warm.p50Ms} ms | ${row.warm.p95Ms} ms | ${k.common} / ${k.rare} / ${k.twoWords} / ${k.prefix} / ${k.typo} ms | ${row.cold.p50Ms} ms | ${row.cold.p95Ms} ms | ${row.cold.n} |`,
      );
    }
    lines.push(
      "",
      "| images | hybrid, new query text (embedding call included): p50 | p95 |",
      "| --- | --- | --- |",
    );
    for (const [size, s] of Object.entries(sr.hybridUncached))
      lines.push(`| ${size} | ${s.p50Ms} ms | ${s.p95Ms} ms |`);
    const f = sr.freshness;
    lines.push(
      "",
      `- Warm p95 at ${sr.target.images} images (text and hybrid, query embedding excluded): target ≤ ${sr.target.warmP95Ms} ms ${mark(sr.target.met)}`,
      `- One embedding call from the bench to the fake server: p50 ${sr.embeddingCallMs.p50Ms} ms, p95 ${sr.embeddingCallMs.p95Ms} ms. ${sr.excluded}`,
      `- Freshness over ${f.uploads} uploads (search polled every ${f.pollIntervalMs} ms): analysis done → found with the analysis' tag p50 ${f.analysisToFound.p50Ms} ms, p95 **${f.analysisToFound.p95Ms} ms**, max ${f.analysisToFound.maxMs} ms (target p95 ≤ ${f.target} ms) ${mark(f.met)}${
        f.readyToFound
          ? `; ready → found by the note p50 ${f.readyToFound.p50Ms} ms, p95 ${f.readyToFound.p95Ms} ms (${f.readyToFound.n} uploads seen before their analysis)`
          : ""
      }.`,
      "",
      "| images | seeding | compactions to fold all | their time | steady compaction (25 changes) | skipped run | snapshot (gzip) |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const [size, x] of Object.entries(sr.index)) {
      lines.push(
        `| ${size} | ${x.seedSeconds} s | ${x.compactions} | ${x.compactAllMs} ms | ${x.steadyCompactionMs} ms | ${x.skippedCompactionMs} ms | ${kib(x.snapshotBytes)} |`,
      );
    }
    const c = sr.cost;
    lines.push(
      "",
      `#### Cost of search, USD (list prices as of ${c.pricesTakenOn}, bench/prices.ts)`,
      "",
      `| per 1,000 | ${Object.keys(c.perThousandIndexed)
        .map((size) => `library of ${size}`)
        .join(" | ")} |`,
      `| --- | ${Object.keys(c.perThousandIndexed)
        .map(() => "---")
        .join(" | ")} |`,
    );
    const sizes = Object.keys(c.perThousandIndexed);
    const table = (label: string, of: SearchCostResult["perThousandIndexed"]) => {
      const first = of[sizes[0] as string];
      for (const item of Object.keys(first?.breakdown ?? {})) {
        lines.push(`| ${label}: ${item} | ${sizes.map((size) => of[size]?.breakdown[item]).join(" | ")} |`);
      }
      lines.push(`| **${label}: total** | ${sizes.map((size) => `**${of[size]?.usd}**`).join(" | ")} |`);
    };
    table("images indexed", c.perThousandIndexed);
    table("searches", c.perThousandSearches);
    lines.push(
      `| snapshot storage, per month | ${sizes.map((size) => c.storagePerThousandMonth[size]).join(" | ")} |`,
      "",
      `Per image: ${c.counts.embeddingTokensPerImage} embedding tokens, ${c.counts.pendingWriteUnitsPerImage} write units for its two pending changes (ready, analysed; transactional), one compaction per ${c.assumptions.compactAtPending} images. Per search: ${c.counts.readUnitsPerSearch} read units. Assumptions: ${JSON.stringify(c.assumptions)}.`,
      `Section wall time: ${sr.wallSeconds} s.`,
      "",
    );
  }
  lines.push(`Wall time: ${r.wallSeconds} s. JSON: bench/results/latest.json`);
  return lines.join("\n");
}
