/**
 * Builds the sharp Lambda layer from npm: `npm install --os=linux --cpu=x64 --libc=glibc sharp@<version>`
 * into `.picstack/layers/sharp/nodejs`, so it works from any build machine (macOS included) and needs
 * no download other than npm's. sharp >= 0.33 ships libvips as prebuilt `@img/*` packages, so no install
 * script has to run (npm 11 blocks them by default). The version is the exact one @picstack/adapters
 * depends on. The SST stacks and the local deployer both publish this directory.
 *
 * Run directly (`npm run layer:sharp`, or `npx tsx infrastructure/layers/sharp/build.ts`) to build it
 * ahead of a deploy; it prints the layer root.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Packages the layer must contain for `import sharp from "sharp"` to work on Lambda x86_64. */
export const SHARP_LAYER_PACKAGES = ["sharp", "@img/sharp-linux-x64", "@img/sharp-libvips-linux-x64"];

/**
 * The repository root. Not simply `import.meta.url` + `../../..`: the SST CLI bundles sst.config.ts, and
 * this file with it, into `.sst.config.<time>.mjs` in the directory it runs from, so search upwards from
 * this module and from the working directory for the declaration.
 */
export function repoRoot(): string {
  const starts = [dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      if (existsSync(join(dir, "infrastructure/picstack.ts"))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error(
    `Cannot find the Picstack repository (infrastructure/picstack.ts) above ${starts.join(", ")}`,
  );
}

/** The exact sharp version @picstack/adapters depends on. */
export function sharpVersion(root = repoRoot()): string {
  const pkg = JSON.parse(readFileSync(join(root, "packages/adapters/package.json"), "utf8"));
  const version = pkg.dependencies?.sharp;
  if (typeof version !== "string" || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error("packages/adapters/package.json must pin sharp to an exact version");
  }
  return version;
}

/** Where the layer is built: `<repo>/.picstack/layers/sharp` (gitignored). */
export function sharpLayerDir(root = repoRoot()): string {
  return join(root, ".picstack/layers/sharp");
}

function isBuilt(outDir: string, version: string): boolean {
  const stamp = join(outDir, ".version");
  return (
    existsSync(stamp) &&
    readFileSync(stamp, "utf8") === version &&
    SHARP_LAYER_PACKAGES.every((p) => existsSync(join(outDir, "nodejs/node_modules", p)))
  );
}

/**
 * Builds the layer if this sharp version is not built yet and returns the layer root (the folder that
 * contains `nodejs/`). Synchronous because CDK synthesis (an SST stack function) is.
 */
export function buildSharpLayerSync(outDir = sharpLayerDir()): string {
  const version = sharpVersion();
  if (isBuilt(outDir, version)) return outDir;

  // Build beside the target and move it in at the end, so concurrent builds (parallel test files) and an
  // interrupted one never leave a half-built layer behind a valid stamp.
  const staging = `${outDir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  const nodejs = join(staging, "nodejs");
  mkdirSync(nodejs, { recursive: true });
  writeFileSync(join(nodejs, "package.json"), `${JSON.stringify({ name: "sharp-layer", private: true })}\n`);
  // Drop npm's per-run settings (set when this runs inside an npm script) so the install happens here,
  // not in the workspace that started it.
  const childEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_(config|package|lifecycle)_/i.test(k)),
  );
  const result = spawnSync(
    "npm",
    [
      "install",
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      "--no-workspaces",
      "--omit=dev",
      "--os=linux",
      "--cpu=x64",
      "--libc=glibc",
      `sharp@${version}`,
    ],
    { cwd: nodejs, env: childEnv, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" },
  );
  if (result.error || result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`Building the sharp layer failed: ${result.error?.message ?? result.stderr}`);
  }
  const missing = SHARP_LAYER_PACKAGES.filter((p) => !existsSync(join(nodejs, "node_modules", p)));
  if (missing.length) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`The sharp layer is missing ${missing.join(", ")}`);
  }
  writeFileSync(join(staging, ".version"), version);

  if (isBuilt(outDir, version)) {
    // Another process finished first.
    rmSync(staging, { recursive: true, force: true });
  } else {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(dirname(outDir), { recursive: true });
    renameSync(staging, outDir);
  }
  return outDir;
}

/** Async form for the local deployer and the CLI. Cached by version: a no-op once built. */
export async function buildSharpLayer(outDir = sharpLayerDir()): Promise<string> {
  return buildSharpLayerSync(outDir);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildSharpLayer().then(
    (dir) => process.stdout.write(`${dir}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
