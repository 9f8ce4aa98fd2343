/**
 * Peak memory of the worst legal batch, measured as the worker runs it: one child Node 22 process per
 * case (so each starts from a fresh heap), running the real SharpImageProcessor on five copies of a
 * file, either all at once (Powertools' parallel records with the libvips cache on, as the worker ran
 * before) or one at a time with the production settings. Prints a markdown table.
 *
 *   node_modules/.bin/tsx test/memory/measure.ts
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { worker } from "@picstack/infrastructure";
import { repoRoot } from "@picstack/local";
import { worstFiles } from "./worst-files.js";

const run = promisify(execFile);
const node = join(repoRoot, "node_modules/.bin/node");
const probe = join(repoRoot, "test/memory/probe.ts");

const CASES = [
  { name: "in parallel, cache on", mode: "parallel", sharp: {} },
  {
    name: "one at a time, production settings",
    mode: "serial",
    sharp: { cache: worker.sharpCache, concurrency: worker.sharpConcurrency },
  },
] as const;

const files = await worstFiles(repoRoot);
const rows: string[] = [];
for (const file of files) {
  const cells: string[] = [];
  for (const c of CASES) {
    const { stdout } = await run(node, ["--import", "tsx", probe, c.mode, ...Array(5).fill(file.path)], {
      cwd: repoRoot,
      env: { ...process.env, PROBE_SHARP: JSON.stringify(c.sharp) },
      maxBuffer: 1 << 20,
    });
    const result = JSON.parse(stdout.trim()) as { maxRssMiB: number; ms: number; errors: string[] };
    cells.push(
      `${result.maxRssMiB} MiB, ${result.ms} ms${result.errors.length ? ` (${result.errors[0]})` : ""}`,
    );
  }
  rows.push(`| ${file.name} (${(file.bytes / 1048576).toFixed(1)} MiB) | ${cells.join(" | ")} |`);
}
process.stdout.write(
  [
    `| 5 × 100 MP | ${CASES.map((c) => c.name).join(" | ")} |`,
    `| --- | ${CASES.map(() => "---").join(" | ")} |`,
    ...rows,
    "",
  ].join("\n"),
);
