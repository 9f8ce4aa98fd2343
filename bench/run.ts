/**
 * `npm run bench`: the image step against bare and naive sharp, upload → ready on the local stack, API
 * latency next to a no-op Lambda, bundle sizes and module-load times, and the cost of 1,000 images.
 * Prints a markdown table and writes bench/results/latest.json.
 *
 *   npm run bench [-- --only thumbnails,e2e,api,coldStart,cost] [--quick]
 */

import { mkdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot, startLocalStack } from "@picstack/local";
import sharp from "sharp";
import { coldStart } from "./cold-start.js";
import { costPer1000 } from "./cost.js";
import { imageTokens, PRICES } from "./prices.js";
import { apiLatency, e2e } from "./stack.js";
import { round } from "./stats.js";
import { thumbnails } from "./thumbnails.js";

const SECTIONS = ["thumbnails", "e2e", "api", "coldStart", "cost"] as const;
const { values } = parseArgs({
  options: { only: { type: "string" }, quick: { type: "boolean", default: false } },
});
const only = new Set(values.only ? values.only.split(",") : SECTIONS);
const quick = values.quick ?? false;
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const started = Date.now();

const results: Record<string, unknown> = {
  machine: {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
    date: new Date().toISOString(),
    quick,
  },
};

if (only.has("thumbnails")) {
  log("thumbnails…");
  results.thumbnails = await thumbnails(quick);
}

if (only.has("e2e") || only.has("api")) {
  const port = Number(process.env.PICSTACK_BENCH_PORT ?? 4700);
  const home = join(repoRoot, `.picstack/bench-${port}`);
  log("starting the local stack…");
  const stack = await startLocalStack({
    target: "ministack",
    port,
    webPort: Number(process.env.PICSTACK_BENCH_WEB_PORT ?? 5300),
    localstackEndpoint: "http://localhost:4566",
    home,
    persist: false,
    extraEnvironment: {
      PICSTACK_ANALYSIS_PROVIDER: "basic",
      // The limiter still runs on every request (its DynamoDB write is part of what is measured); it
      // just never refuses the benchmark's bursts.
      PICSTACK_RATE_LIMITS: JSON.stringify({
        read: { capacity: 1e6, refillPerSecond: 1e6 },
        write: { capacity: 1e6, refillPerSecond: 1e6 },
      }),
    },
    log: () => {},
  });
  try {
    if (only.has("e2e")) {
      log("upload → ready…");
      results.e2e = await e2e(stack.outputs, home, quick ? 10 : 50);
    }
    if (only.has("api")) {
      log("API latency…");
      const rows = await apiLatency(stack.outputs, home, quick);
      const headline = rows[0];
      results.api = { p50Ms: headline?.p50Ms, p99Ms: headline?.p99Ms, bareP50Ms: headline?.bareP50Ms, rows };
    }
  } finally {
    await stack.stop();
  }
}

if (only.has("coldStart")) {
  log("bundles and module load…");
  results.coldStart = await coldStart(quick);
}

if (only.has("cost")) {
  const thumbs = results.thumbnails as Awaited<ReturnType<typeof thumbnails>> | undefined;
  const api = results.api as { rows: { p50Ms: number; bareP50Ms: number }[] } | undefined;
  const jpeg = thumbs?.inputs["12 MP JPEG (4000×3000)"];
  const effort2 = thumbs?.effort.find((e) => e.effort === thumbs.settings.webpEffort);
  const base = {
    imageStepMs: jpeg?.msEach ?? 400,
    apiHandlerMs: api ? Math.max(0, (api.rows[0]?.p50Ms ?? 0) - (api.rows[0]?.bareP50Ms ?? 0)) : 40,
    originalBytes: 4 * 1024 * 1024, // a 12 MP phone photo
    thumbnailBytes: (effort2?.previewBytes ?? 90_000) + (effort2?.thumbBytes ?? 10_000),
    model: "gpt-4.1-mini" as const,
  };
  const options = [
    { label: "preview 1024×768", width: 1024, height: 768 },
    { label: "512×384 rendition", width: 512, height: 384 },
    { label: "thumb 256×192", width: 256, height: 192 },
  ];
  const compared = options.map((o) => ({
    image: o.label,
    imageTokens: imageTokens("gpt-4.1-mini", o.width, o.height),
    usd: costPer1000({ ...base, analysisWidth: o.width, analysisHeight: o.height }).usd,
  }));
  results.costPer1000 = {
    ...costPer1000({ ...base, analysisWidth: 512, analysisHeight: 384 }),
    pricesTakenOn: PRICES.takenOn,
    byAnalysisImage: compared,
  };
}

results.wallSeconds = round((Date.now() - started) / 1000, 0);
await mkdir(join(repoRoot, "bench/results"), { recursive: true });
await writeFile(join(repoRoot, "bench/results/latest.json"), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${render(results)}\n`);

function render(r: Record<string, unknown>): string {
  const lines: string[] = [];
  const m = r.machine as Record<string, unknown>;
  lines.push(
    `## Benchmarks (${String(m.date).slice(0, 10)}, ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, sharp ${m.sharp} / libvips ${m.libvips}${quick ? ", quick run" : ""})`,
    "",
  );
  const t = r.thumbnails as Awaited<ReturnType<typeof thumbnails>> | undefined;
  if (t) {
    lines.push(
      "### Image step (thumb 256 + preview 1024, WebP q" +
        t.settings.webpQuality +
        " effort " +
        t.settings.webpEffort +
        ", one core)",
      "",
    );
    lines.push(
      "| input | ours /s | bare sharp /s | naive /s | ms each (ours) |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const [name, d] of Object.entries(t.inputs))
      lines.push(
        `| ${name} | ${d.perSecond} | ${d.bareSharpPerSecond} | ${d.naivePerSecond} | ${d.msEach} |`,
      );
    lines.push(
      `| **both** | **${t.perSecond}** | **${t.bareSharpPerSecond}** | **${t.naivePerSecond}** | |`,
      "",
    );
    lines.push(
      `Ours vs bare sharp: **${t.vsBare}×** (target ≥ 0.9 ${t.vsBare >= 0.9 ? "✅" : "❌"}); ours vs naive: **${t.vsNaive}×** (target ≥ 2 ${t.vsNaive >= 2 ? "✅" : "❌"}).`,
      "",
    );
    lines.push(
      "| WebP effort | ms per 12 MP photo | preview bytes | thumb bytes |",
      "| --- | --- | --- | --- |",
    );
    for (const e of t.effort)
      lines.push(`| ${e.effort} | ${e.msEach} | ${e.previewBytes} | ${e.thumbBytes} |`);
    lines.push("");
  }
  const e = r.e2e as Awaited<ReturnType<typeof e2e>> | undefined;
  if (e) {
    lines.push("### Upload → ready on the local stack (basic provider)", "");
    lines.push(
      "| uploads | concurrency | p50 | p95 | images/s | worker p50 |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    lines.push(
      `| ${e.n} | ${e.concurrency} | ${e.p50Ms} ms | ${e.p95Ms} ms | ${e.imagesPerSecond} | ${e.workerP50Ms} ms |`,
      "",
    );
  }
  const a = r.api as { rows: Awaited<ReturnType<typeof apiLatency>> } | undefined;
  if (a) {
    lines.push("### API latency through API Gateway (local stack) vs a no-op Lambda", "");
    lines.push(
      "| route | concurrency | p50 | p99 | no-op p50 | no-op p99 | p50 ratio |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const row of a.rows)
      lines.push(
        `| ${row.route} | ${row.concurrency} | ${row.p50Ms} ms | ${row.p99Ms} ms | ${row.bareP50Ms} ms | ${row.bareP99Ms} ms | ${row.ratioP50}× |`,
      );
    lines.push("");
  }
  const c = r.coldStart as Awaited<ReturnType<typeof coldStart>> | undefined;
  if (c) {
    lines.push("### Bundles and module load (without the sharp layer)", "");
    lines.push(
      "| function | bundle | zipped | module load (median) | < 1 MB |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const [id, row] of Object.entries(c))
      lines.push(
        `| ${id} | ${round(row.bundleBytes / 1024, 0)} KiB | ${round(row.zipBytes / 1024, 0)} KiB | ${row.loadMs} ms | ${row.underOneMb ? "✅" : "❌"} |`,
      );
    lines.push("");
  }
  const cost = r.costPer1000 as
    | (ReturnType<typeof costPer1000> & {
        byAnalysisImage: { image: string; imageTokens: number; usd: number }[];
        pricesTakenOn: string;
      })
    | undefined;
  if (cost) {
    lines.push(
      `### Cost of 1,000 images, AWS us-east-1 + ${cost.model} (list prices of ${cost.pricesTakenOn})`,
      "",
    );
    lines.push("| item | USD |", "| --- | --- |");
    for (const [k, v] of Object.entries(cost.breakdown)) lines.push(`| ${k} | ${v} |`);
    lines.push(
      `| **total** (AI image: ${cost.aiImage}) | **${cost.usd}** ${cost.usd < 0.5 ? "✅" : "❌"} (target < 0.50) |`,
      "",
    );
    lines.push("| image sent to the model | image tokens | total per 1,000 |", "| --- | --- | --- |");
    for (const o of cost.byAnalysisImage) lines.push(`| ${o.image} | ${o.imageTokens} | $${o.usd} |`);
    lines.push("");
  }
  lines.push(`Wall time: ${r.wallSeconds} s. JSON: bench/results/latest.json`);
  return lines.join("\n");
}
