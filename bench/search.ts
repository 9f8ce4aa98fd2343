/**
 * The search engine at 10,000 and 100,000 synthetic documents per user: indexing, the snapshot's size,
 * loading it (what every search request pays on a cold index; timed in a fresh process by
 * `search-load.ts`), and query latency per mode. Offline: no stack needed.
 *
 *   node --expose-gc --max-old-space-size=8192 --import tsx bench/search.ts [--sizes 10000,100000] [--runs 20]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { type SearchDoc, SearchIndex, type SearchQuery } from "@picstack/core";
import { median, random, round } from "./stats.js";

/** The default embedding size (PICSTACK_EMBEDDING_DIMENSIONS). */
const DIMENSIONS = 256;
/** Loads per measurement; the median is reported (one load is at the mercy of the neighbours). */
const LOADS = 5;

export interface SearchBenchRow {
  docs: number;
  indexMs: number;
  snapshotBytes: number;
  snapshotGzipBytes: number;
  toJsonMs: number;
  parseMs: number;
  loadMs: number;
  heapMiB: number;
  queryMs: Record<string, number>;
  /** How many hits each query returned, so its time can be read against its work. */
  hits: Record<string, number>;
}

/** A corpus with a Zipf-like word distribution, as descriptions and visible text have. */
export function corpus(size: number): { docs: SearchDoc[]; words: string[] } {
  const next = random(42);
  const syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "pa", "di", "gu", "be", "zo", "fi"];
  const words = Array.from({ length: 5000 }, (_, i) => {
    let word = "";
    for (let n = i + 14; n > 0; n = Math.floor(n / syllables.length)) word += syllables[n % syllables.length];
    return word;
  });
  const zipf = () => words[Math.floor(words.length * next() ** 3)] ?? "ka";
  const sentence = (min: number, max: number) =>
    Array.from({ length: min + Math.floor(next() * (max - min)) }, zipf).join(" ");
  const cameras = ["Apple iPhone 15 Pro", "Canon EOS R6", "Sony ILCE-7M3", "Fujifilm X-T4", "Google Pixel 8"];
  const docs = Array.from({ length: size }, (_, i): SearchDoc => {
    const vector = Array.from({ length: DIMENSIONS }, () => next() - 0.5);
    const norm = Math.hypot(...vector);
    const doc: SearchDoc = {
      id: `img${String(i).padStart(7, "0")}`,
      createdAt: new Date(Date.UTC(2024, 0, 1) + i * 600_000).toISOString(),
      filename: i % 3 === 0 ? `IMG_${1000 + (i % 9000)}.jpg` : `${zipf()}-${zipf()}_${i}.png`,
      description: sentence(12, 25),
      tags: [
        ...new Set(
          Array.from({ length: 3 + Math.floor(next() * 4) }, () => words[Math.floor(next() * 300)] ?? "ka"),
        ),
      ],
      sha256: (i * 2654435761).toString(16).padStart(64, "0"),
      phash:
        Math.floor(next() * 2 ** 32)
          .toString(16)
          .padStart(8, "0") +
        Math.floor(next() * 2 ** 32)
          .toString(16)
          .padStart(8, "0"),
      embedding: vector.map((v) => v / norm),
      version: "2024-01-01T00:00:00.000Z",
    };
    if (i % 3 === 0) doc.text = sentence(10, 40);
    if (i % 5 === 0) doc.camera = cameras[i % cameras.length] ?? "Canon EOS R6";
    if (i % 7 === 0) doc.note = sentence(3, 8);
    return doc;
  });
  return { docs, words };
}

function timed<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
}

export function searchBench(sizes: number[], runs: number): SearchBenchRow[] {
  const rows: SearchBenchRow[] = [];
  for (const size of sizes) {
    let { docs, words } = corpus(size);
    const first = docs[0];
    const common = words[3] ?? "";
    const rare = words[2000] ?? "";
    words = [];
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    let [built, indexMs] = timed(() => {
      const fresh = SearchIndex.empty();
      for (const doc of docs) fresh.upsert(doc);
      return fresh;
    });
    collectGarbage();
    const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    const [snapshot, toJsonMs] = timed(() => JSON.stringify(built));
    docs = [];
    built = SearchIndex.empty();
    // Loading is timed as a cold search request pays it, in a fresh process holding only the snapshot.
    const dir = mkdtempSync(join(tmpdir(), "picstack-search-bench-"));
    const file = join(dir, "snapshot.json");
    writeFileSync(file, snapshot);
    const child = execFileSync(
      process.execPath,
      [
        "--max-old-space-size=8192",
        "--import",
        "tsx",
        join(import.meta.dirname, "search-load.ts"),
        file,
        String(LOADS),
      ],
      { encoding: "utf8" },
    );
    const { parseMs, loadMs } = JSON.parse(child) as { parseMs: number; loadMs: number };
    const index = SearchIndex.load(JSON.parse(snapshot));
    rmSync(dir, { recursive: true, force: true });

    const vector = first?.embedding ?? [];
    const queries: Record<string, () => unknown> = {
      "text, 2 words": () => index.search(text(`${common} ${rare}`)),
      "text, typo": () => index.search(text(`${rare.slice(0, -1)}x`)),
      "text, prefix": () => index.search(text(rare.slice(0, 4))),
      semantic: () => index.search({ ...text(""), mode: "semantic", queryVector: vector }),
      hybrid: () => index.search({ ...text(`${common} ${rare}`), mode: "hybrid", queryVector: vector }),
      similar: () => index.similar(first?.id ?? "", 20),
    };
    const queryMs: Record<string, number> = {};
    const hits: Record<string, number> = {};
    for (const [name, run] of Object.entries(queries)) {
      const result = run();
      hits[name] = Array.isArray(result) ? result.length : 0;
      queryMs[name] = round(median(Array.from({ length: runs }, () => timed(run)[1])), 1);
    }
    rows.push({
      docs: size,
      indexMs: round(indexMs, 0),
      snapshotBytes: snapshot.length,
      snapshotGzipBytes: gzipSync(snapshot).length,
      toJsonMs: round(toJsonMs, 0),
      parseMs: round(parseMs, 0),
      loadMs: round(loadMs, 0),
      heapMiB: round(heapMiB, 0),
      queryMs,
      hits,
    });
  }
  return rows;
}

/** With `node --expose-gc`, measures start from a collected heap; without it, as they come. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function text(query: string): SearchQuery {
  return { query, mode: "text", sort: "relevance" };
}

export function searchTable(rows: SearchBenchRow[]): string {
  const mib = (bytes: number) => `${round(bytes / 2 ** 20, 1)} MiB`;
  const names = Object.keys(rows[0]?.queryMs ?? {});
  const lines = [
    `| docs | index | snapshot (gzip) | toJSON | JSON.parse + load | heap | ${names.map((n) => `${n}: ms (hits)`).join(" | ")} |`,
    `| ---: | ---: | ---: | ---: | ---: | ---: | ${names.map(() => "---:").join(" | ")} |`,
    ...rows.map(
      (r) =>
        `| ${r.docs.toLocaleString("en")} | ${r.indexMs} ms | ${mib(r.snapshotBytes)} (${mib(r.snapshotGzipBytes)}) | ${r.toJsonMs} ms | ${r.parseMs} + ${r.loadMs} ms | ${r.heapMiB} MiB | ${names.map((n) => `${r.queryMs[n]} (${r.hits[n]})`).join(" | ")} |`,
    ),
  ];
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: { sizes: { type: "string", default: "10000,100000" }, runs: { type: "string", default: "20" } },
  });
  const sizes = (values.sizes ?? "").split(",").map(Number);
  process.stdout.write(`${searchTable(searchBench(sizes, Number(values.runs)))}\n`);
}
