/**
 * Per function in the declaration: the bundle the deployment ships, read from the cloud assembly that
 * `deploy()` synthesizes (SST's esbuild build; sharp is external, from the layer), its zipped size, and
 * its module-load time, the median of fresh `node` processes each timing `await import(bundle)`.
 */
import { execFileSync } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { bundling, type FunctionId, functions, LOCAL_STAGE } from "@picstack/infrastructure";
import { repoRoot, synthEnvironment, synthesize } from "@picstack/local";
import { build } from "esbuild";
import { zipSync } from "fflate";
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

// Config is validated at module load, and processUpload chooses its analysis provider then: give the
// variables harmless local values so every bundle loads as it would in Lambda (PICSTACK_FUNCTION, which
// decides what else a function needs, is set per bundle).
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
  PICSTACK_OPENAI_KEY_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
};

/** `packages/x/src/file.handler` → `packages/x/src/file`, the source without extension or export. */
function handlerPath(id: FunctionId): string {
  return functions[id].handler.replace(/\.[^.]+$/, "");
}

/**
 * Output bytes by package, from an esbuild metafile of the same entry point: what to trim first. SST
 * does not keep its metafile, so this is a build of its own, with the declaration's settings and the
 * ones SST v2 always adds for ESM (sst/runtime/handlers/node.js); nothing of it is deployed.
 */
async function largestPackages(id: FunctionId): Promise<Record<string, number>> {
  const result = await build({
    entryPoints: [join(repoRoot, `${handlerPath(id)}.ts`)],
    bundle: true,
    write: false,
    outfile: "index.mjs",
    format: bundling.format,
    target: bundling.target,
    minify: bundling.minify,
    external: [...bundling.external],
    platform: "node",
    keepNames: true,
    mainFields: ["module", "main"],
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

interface Template {
  Resources: Record<
    string,
    { Type: string; Properties?: { Description?: unknown; Code?: { S3Key?: unknown } } }
  >;
}

/**
 * Each declared function's asset directory in the assembly: the stacks' AWS::Lambda::Function whose
 * Description is the declared one has Code.S3Key `<hash>.zip`, staged as `asset.<hash>/`.
 */
async function assetDirectories(assembly: string): Promise<Record<FunctionId, string>> {
  const byDescription = new Map<string, string>();
  const templates = (await readdir(assembly)).filter(
    (name) => name.startsWith(`${LOCAL_STAGE}-picstack-`) && name.endsWith(".template.json"),
  );
  for (const name of templates) {
    const template = JSON.parse(await readFile(join(assembly, name), "utf8")) as Template;
    for (const resource of Object.values(template.Resources)) {
      const { Description: description, Code: code } = resource.Properties ?? {};
      if (resource.Type !== "AWS::Lambda::Function" || typeof description !== "string") continue;
      if (typeof code?.S3Key === "string") byDescription.set(description, code.S3Key);
    }
  }
  const dirs = {} as Record<FunctionId, string>;
  for (const id of Object.keys(functions) as FunctionId[]) {
    const key = byDescription.get(functions[id].description);
    if (!key?.endsWith(".zip")) throw new Error(`no function of the assembly is ${id}'s`);
    dirs[id] = join(assembly, `asset.${key.slice(0, -".zip".length)}`);
  }
  return dirs;
}

/** Every file under `dir`, by path from it. */
async function filesOf(dir: string, root = dir): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(files, await filesOf(path, root));
    else files[relative(root, path)] = await readFile(path);
  }
  return files;
}

export async function coldStart(options: {
  /**
   * The bench stack's endpoint and web origin, for local mode as `deploy()` gives it to the synth (they
   * go into the functions' environment only, not into their bundles).
   */
  endpoint: string;
  webOrigin: string;
  runs: number;
  log: (m: string) => void;
}): Promise<Record<string, ColdStartRow>> {
  // Inside the repository, so the external `sharp` (the layer, in Lambda) resolves from node_modules.
  const home = join(repoRoot, ".picstack/bench-cold-start");
  const environment = await synthEnvironment({
    target: "ministack",
    endpoint: options.endpoint,
    webOrigin: options.webOrigin,
    home,
    settings: { PICSTACK_ANALYSIS_PROVIDER: "basic" },
  });
  const assembly = await synthesize({ home, environment, log: options.log });
  const assets = await assetDirectories(assembly);
  const rows: Record<string, ColdStartRow> = {};
  for (const id of Object.keys(functions) as FunctionId[]) {
    options.log(id);
    const dir = assets[id];
    const file = join(dir, `${handlerPath(id)}.mjs`);
    const bundleBytes = (await stat(file)).size;
    // The CDK CLI uploads the asset directory zipped with deflate at zlib's default level, as here.
    const zipBytes = zipSync(await filesOf(dir), { level: 6 }).length;
    const timer = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
    const runs: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", timer], {
        env: { ...process.env, ...ENV, PICSTACK_FUNCTION: id },
        cwd: dirname(file),
      });
      runs.push(round(Number(out.toString()), 1));
    }
    const underOneMb = bundleBytes < ONE_MB;
    rows[id] = {
      bundleBytes,
      zipBytes,
      memorySize: functions[id].memorySize,
      loadMs: round(median(runs), 1),
      loadRunsMs: runs,
      underOneMb,
      ...(underOneMb ? {} : { largest: await largestPackages(id) }),
    };
  }
  return rows;
}
