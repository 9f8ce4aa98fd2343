/**
 * `npm run test:reliability`: starts its own local stack (MiniStack on port 4620, or
 * PICSTACK_RELIABILITY_PORT) and proves, category by category, that hostile input, faults and load are
 * handled with nothing lost. Prints a markdown table per category and a last line `N passed, M failed`;
 * exits 1 if anything failed.
 *
 *   npm run test:reliability [-- --only tokens,load] [--verbose] [--out report.md]
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot, startLocalStack } from "@picstack/local";
import { configuration } from "./configuration.js";
import { makeContext } from "./context.js";
import { faults } from "./faults.js";
import { Report } from "./harness.js";
import { hostileFiles, photo } from "./hostile-files.js";
import { hostileRequests } from "./hostile-requests.js";
import { load } from "./load.js";
import { memory } from "./memory.js";
import { presignedUploads } from "./presigned.js";
import { scale } from "./scale.js";
import { tokens } from "./tokens.js";

const CATEGORIES = [
  "requests",
  "tokens",
  "presigned",
  "files",
  "memory",
  "faults",
  "load",
  "scale",
  "configuration",
] as const;

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    verbose: { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const only = new Set(values.only ? values.only.split(",") : CATEGORIES);
for (const name of only) {
  if (!(CATEGORIES as readonly string[]).includes(name)) {
    process.stderr.write(`unknown category ${name}; choose from ${CATEGORIES.join(", ")}\n`);
    process.exit(2);
  }
}

const report = new Report();
const started = Date.now();
const port = Number(process.env.PICSTACK_RELIABILITY_PORT ?? 4620);
const home = join(repoRoot, `.picstack/reliability-${port}`);
const log = (m: string) => process.stderr.write(`[reliability] ${m}\n`);

const needsStack = [...only].some((c) => c !== "configuration");
const stack = needsStack
  ? await startLocalStack({
      target: "ministack",
      port,
      webPort: Number(process.env.PICSTACK_RELIABILITY_WEB_PORT ?? 5185),
      localstackEndpoint: "http://localhost:4566",
      home,
      persist: false,
      settings: { PICSTACK_ANALYSIS_PROVIDER: "basic" },
      // The faults category sets PICSTACK_TEST_FAULTS on the worker; these hooks carry the plan out.
      ...(only.has("faults") ? { testHooks: join(repoRoot, "test/faults/preload.ts") } : {}),
      log,
    })
  : undefined;

try {
  const ctx = stack ? makeContext(stack.outputs, home, stack.emulator.logFile) : undefined;
  const sample = await photo();
  const step = async (name: (typeof CATEGORIES)[number], run: () => Promise<void>) => {
    if (!only.has(name)) return;
    const t = Date.now();
    log(`${name}…`);
    await run();
    log(`${name} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  };
  if (ctx) {
    await step("requests", () => hostileRequests(ctx, report));
    await step("tokens", () => tokens(ctx, report));
    await step("presigned", () => presignedUploads(ctx, report, sample));
    await step("files", () => hostileFiles(ctx, report));
    await step("memory", () => memory(ctx, report));
    await step("faults", () => faults(ctx, report));
    await step("load", () => load(ctx, report));
    await step("scale", () => scale(ctx, report));
  }
  await step("configuration", () => configuration(report));
} catch (error) {
  await report.check("Suite", "runs to the end", async () => {
    throw error;
  });
} finally {
  await stack?.stop();
}

const rendered = report.render();
process.stdout.write(
  `\n## Reliability report (${((Date.now() - started) / 60000).toFixed(1)} min)\n${rendered}\n`,
);
if (values.verbose) process.stdout.write(`\n${report.renderAll()}\n`);
if (values.out) await writeFile(values.out, `${rendered}\n`);
process.exitCode = report.results.every((r) => r.ok) ? 0 : 1;
