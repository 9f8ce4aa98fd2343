/**
 * Per function in the declaration: the bundle the deployment ships (bundleFunction, the esbuild settings
 * SST and the local deployer share; sharp is external, from the layer) and its module-load time, the
 * median of fresh `node` processes each timing `await import(bundle)`.
 */
import { execFileSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bundling, type FunctionId, functions } from "@picstack/infrastructure";
import { bundleFunction, repoRoot, splitHandler } from "@picstack/local";
import { build } from "esbuild";
import { unzipSync } from "fflate";
import { median, round } from "./stats.js";

export const ONE_MB = 1024 * 1024;

export interface ColdStartRow {
  bundleBytes: number;
  zipBytes: number;
  memorySize: number;
  loadMs: number;
  loadRunsMs: number[];
  underOneMb: boolean;
  /** For bundles of 1 MB or more: the largest packages in the bundle, bytes of output. */
  largest?: Record<string, number>;
}

// Config is validated lazily, but processUpload chooses its analysis provider at module load: give the
// variables harmless local values so every bundle loads as it would in Lambda.
const ENV = {
  PICSTACK_STAGE: "bench",
  PICSTACK_TABLE: "t",
  PICSTACK_BUCKET: "b",
  PICSTACK_QUEUE_URL: "http://127.0.0.1:1/q",
  PICSTACK_WEB_ORIGIN: "http://127.0.0.1:1",
  PICSTACK_AUTH_ISSUER: "https://issuer.bench",
  PICSTACK_AUTH_AUDIENCE: "bench",
  PICSTACK_AUTH_JWKS: '{"keys":[]}',
  PICSTACK_CURSOR_SECRET: "x".repeat(40),
  PICSTACK_ANALYSIS_PROVIDER: "basic",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
};

/** Output bytes by package, from an esbuild metafile of the same build: what to trim first. */
async function largestPackages(id: FunctionId): Promise<Record<string, number>> {
  const result = await build({
    entryPoints: [join(repoRoot, splitHandler(functions[id].handler).file)],
    bundle: true,
    write: false,
    outfile: "index.mjs",
    format: bundling.format,
    target: bundling.target,
    platform: bundling.platform,
    minify: bundling.minify,
    keepNames: bundling.keepNames,
    mainFields: [...bundling.mainFields],
    external: [...bundling.external],
    metafile: true,
    logLevel: "silent",
  });
  const byPackage = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path.slice(path.lastIndexOf("node_modules/")));
      const name =
        match?.[1] ?? (path.startsWith("packages/") ? path.split("/").slice(0, 2).join("/") : "other");
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return Object.fromEntries([...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8));
}

export async function coldStart(options: {
  runs: number;
  log: (m: string) => void;
}): Promise<Record<string, ColdStartRow>> {
  // Inside the repository, so the external `sharp` (the layer, in Lambda) resolves from node_modules.
  const dir = join(repoRoot, ".picstack/bench/cold-start");
  await mkdir(dir, { recursive: true });
  const rows: Record<string, ColdStartRow> = {};
  try {
    for (const id of Object.keys(functions) as FunctionId[]) {
      options.log(id);
      const bundle = await bundleFunction(functions[id]);
      const code = unzipSync(bundle.zip)["index.mjs"];
      if (!code) throw new Error(`no index.mjs in the bundle of ${id}`);
      const file = join(dir, `${id}.mjs`);
      await writeFile(file, code);
      const timer = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
      const runs: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        const out = execFileSync(process.execPath, ["--input-type=module", "-e", timer], {
          env: { ...process.env, ...ENV },
          cwd: dir,
        });
        runs.push(round(Number(out.toString()), 1));
      }
      const underOneMb = bundle.size < ONE_MB;
      rows[id] = {
        bundleBytes: bundle.size,
        zipBytes: bundle.zip.length,
        memorySize: functions[id].memorySize,
        loadMs: round(median(runs), 1),
        loadRunsMs: runs,
        underOneMb,
        ...(underOneMb ? {} : { largest: await largestPackages(id) }),
      };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
