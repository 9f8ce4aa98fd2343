/** Per function: the bundle SST and the local deployer build (same esbuild settings), and its module-load time. */
import { execFileSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type FunctionId, functions } from "@picstack/infrastructure";
import { bundleFunction, repoRoot } from "@picstack/local";
import { unzipSync } from "fflate";
import { median, round } from "./stats.js";

export interface ColdStartRow {
  bundleBytes: number;
  zipBytes: number;
  loadMs: number;
  underOneMb: boolean;
}

// What module scope reads at load (config is validated at cold start): harmless local values.
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

export async function coldStart(quick: boolean): Promise<Record<string, ColdStartRow>> {
  // Inside the repository, so `sharp` (external, from the layer in AWS) resolves from node_modules.
  const dir = join(repoRoot, ".picstack/bench-cold-start");
  await mkdir(dir, { recursive: true });
  const rows: Record<string, ColdStartRow> = {};
  try {
    for (const id of Object.keys(functions) as FunctionId[]) {
      const bundle = await bundleFunction(functions[id]);
      const code = unzipSync(bundle.zip)["index.mjs"];
      if (!code) throw new Error(`no index.mjs for ${id}`);
      const file = join(dir, `${id}.mjs`);
      await writeFile(file, code);
      const timer = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
      const runs: number[] = [];
      for (let i = 0; i < (quick ? 3 : 7); i++) {
        const out = execFileSync(process.execPath, ["--input-type=module", "-e", timer], {
          env: { ...process.env, ...ENV },
          cwd: dir,
        });
        runs.push(Number(out.toString()));
      }
      rows[id] = {
        bundleBytes: bundle.size,
        zipBytes: bundle.zip.length,
        loadMs: round(median(runs), 1),
        underOneMb: bundle.size < 1024 * 1024,
      };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
