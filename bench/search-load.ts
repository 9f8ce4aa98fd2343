/**
 * `bench/search.ts`'s cold load, in a process of its own so the timing is what a fresh search request
 * pays (no corpus or original index on the heap): reads a snapshot file, parses and loads it a few
 * times, prints the medians as JSON.
 *
 *   node --import tsx bench/search-load.ts SNAPSHOT.json [LOADS]
 */
import { readFileSync } from "node:fs";
import { SearchIndex } from "@picstack/core";
import { median } from "./stats.js";

const [path, loads = "5"] = process.argv.slice(2);
if (!path) throw new Error("usage: bench/search-load.ts SNAPSHOT.json [LOADS]");
const text = readFileSync(path, "utf8");
const parses: number[] = [];
const builds: number[] = [];
for (let i = 0; i < Number(loads); i++) {
  const start = performance.now();
  const parsed: unknown = JSON.parse(text);
  const parsedAt = performance.now();
  SearchIndex.load(parsed);
  builds.push(performance.now() - parsedAt);
  parses.push(parsedAt - start);
}
process.stdout.write(`${JSON.stringify({ parseMs: median(parses), loadMs: median(builds) })}\n`);
