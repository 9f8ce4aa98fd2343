/**
 * Builds the sharp Lambda layer from npm: `npm install --os=linux --cpu=x64 --libc=glibc sharp@<version>`
 * into `.picstack/layers/sharp/nodejs`, so it works from any build machine (macOS included) and needs
 * no download other than npm's. The version is the one @picstack/adapters depends on. The SST stacks
 * and the local deployer both publish this directory.
 *
 * Run directly (`npx tsx infrastructure/layers/sharp/build.ts`) to build it ahead of a deploy.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export function sharpVersion(): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "packages/adapters/package.json"), "utf8"));
  const version = pkg.dependencies?.sharp;
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error("packages/adapters/package.json must pin sharp to an exact version");
  }
  return version;
}

export const SHARP_LAYER_DIR = join(repoRoot, ".picstack/layers/sharp");

/** The layer root (the folder that contains `nodejs/`). Cached by version. */
export async function buildSharpLayer(outDir = SHARP_LAYER_DIR): Promise<string> {
  return buildSharpLayerSync(outDir);
}

/** Synchronous form, for CDK synthesis (SST stack functions are synchronous). */
export function buildSharpLayerSync(outDir = SHARP_LAYER_DIR): string {
  const version = sharpVersion();
  const stamp = join(outDir, ".version");
  const nodejs = join(outDir, "nodejs");
  if (
    existsSync(stamp) &&
    readFileSync(stamp, "utf8") === version &&
    existsSync(join(nodejs, "node_modules/sharp"))
  ) {
    return outDir;
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(nodejs, { recursive: true });
  writeFileSync(join(nodejs, "package.json"), `${JSON.stringify({ name: "sharp-layer", private: true })}\n`);
  const result = spawnSync(
    "npm",
    [
      "install",
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      "--omit=dev",
      "--os=linux",
      "--cpu=x64",
      "--libc=glibc",
      `sharp@${version}`,
    ],
    { cwd: nodejs, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`building the sharp layer failed:\n${result.stderr}`);
  for (const required of ["sharp", "@img/sharp-linux-x64", "@img/sharp-libvips-linux-x64"]) {
    if (!existsSync(join(nodejs, "node_modules", required))) {
      throw new Error(`the sharp layer is missing ${required}`);
    }
  }
  writeFileSync(stamp, version);
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildSharpLayer().then((dir) => process.stdout.write(`${dir}\n`));
}
