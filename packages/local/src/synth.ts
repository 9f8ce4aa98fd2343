/**
 * The cloud assembly a local stack deploys: sst.config.ts synthesized for the local stage in local mode
 * (infrastructure/local-mode.ts), in a child process (synth-app.ts) so SST's test mode and its project state stay
 * out of this one.
 *
 * A synth takes ~14 s, most of it bundling functions; a deploy of an unchanged assembly ~2 s. So the
 * assembly is kept per local stack (`<home>/cdk.out`) with a digest of everything it was built from: the
 * sources of every package, the stacks and the declaration, the lockfiles, and the settings (local mode,
 * the deploy-time variables). Any change to those synthesizes again; nothing else does.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { repoRoot } from "./paths.js";
import { run } from "./run.js";

/** What the templates are built from, from the repository root; tests and built output are not. */
const INPUTS = ["sst.config.ts", "package-lock.json", "stacks", "infrastructure", "packages"];
const SKIP = new Set(["node_modules", "dist", "test", ".sst"]);

async function files(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return existsSync(path) ? [path] : [];
  const nested = await Promise.all(
    entries
      .filter((e) => !SKIP.has(e.name) && !e.name.startsWith("."))
      .map((e) => (e.isDirectory() ? files(join(path, e.name)) : [join(path, e.name)])),
  );
  return nested.flat();
}

/** A digest of the inputs' paths and contents, and of `settings`. */
export async function inputDigest(settings: Record<string, string | undefined>): Promise<string> {
  const hash = createHash("sha256").update(JSON.stringify(settings));
  const all = (await Promise.all(INPUTS.map((p) => files(join(repoRoot, p))))).flat().sort();
  for (const file of all) {
    hash
      .update(relative(repoRoot, file))
      .update("\0")
      .update(await readFile(file))
      .update("\0");
  }
  return hash.digest("hex");
}

export interface SynthOptions {
  /** The local stack's directory: the assembly goes to `<home>/cdk.out`. */
  home: string;
  /** The environment of the synth (local mode, deploy-time settings), part of the digest. */
  environment: Record<string, string | undefined>;
  log?: (message: string) => void;
}

/** Synthesizes the assembly into `<home>/cdk.out`, unless the one there was built from the same inputs. */
export async function synthesize(options: SynthOptions): Promise<string> {
  const outdir = join(options.home, "cdk.out");
  const stamp = join(options.home, "cdk.out.digest");
  const digest = await inputDigest(options.environment);
  const previous = await readFile(stamp, "utf8").catch(() => "");
  if (previous === digest && existsSync(join(outdir, "manifest.json"))) {
    options.log?.("templates: unchanged since the last synth");
    return outdir;
  }
  const started = Date.now();
  await rm(stamp, { force: true });
  await rm(outdir, { recursive: true, force: true });
  await run(
    join(repoRoot, "node_modules/.bin/tsx"),
    [join(repoRoot, "packages/local/src/synth-app.ts"), outdir, join(options.home, "sst-artifacts")],
    { ...process.env, ...options.environment, NODE_ENV: "test" },
  );
  await writeFile(stamp, digest);
  options.log?.(`templates: synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outdir;
}
