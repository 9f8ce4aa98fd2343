/**
 * Builds the sharp Lambda layer from the committed `nodejs/package.json` and `nodejs/package-lock.json`
 * next to this file: `npm ci --os=linux --cpu=x64 --libc=glibc` (the cpu of the declared `ARCHITECTURE`)
 * into `.picstack/layers/sharp/nodejs`, so every build machine (macOS included) installs the same files,
 * checked against the lockfile's integrity hashes, and needs no download other than npm's. sharp >= 0.33
 * ships libvips as prebuilt `@img/*` packages, so no install script has to run. The lockfile pins the
 * exact sharp version @picstack/adapters depends on. The SST stacks publish this directory as the layer's
 * asset.
 *
 * To move to another sharp version: change it in packages/adapters/package.json and in
 * `nodejs/package.json`, then run `npm install --package-lock-only --os=linux --cpu=x64 --libc=glibc`
 * in `nodejs/` to rewrite the lockfile.
 *
 * Run directly (`npm run layer:sharp`, or `npx tsx infrastructure/layers/sharp/build.ts`) to build it
 * ahead of a deploy; it prints the layer root.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ARCHITECTURE } from "../../picstack.js";

/** npm's name (`--cpu`, the `@img/*` package names) for the functions' declared architecture. */
export const SHARP_LAYER_CPU = ({ x86_64: "x64", arm64: "arm64" } as const)[ARCHITECTURE];

/** Packages the layer must contain for `import sharp from "sharp"` to work on Lambda. */
export const SHARP_LAYER_PACKAGES = [
  "sharp",
  `@img/sharp-linux-${SHARP_LAYER_CPU}`,
  `@img/sharp-libvips-linux-${SHARP_LAYER_CPU}`,
];

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

/** The committed manifest and lockfile the layer is installed from. */
export function sharpLayerSource(root = repoRoot()): { packageJson: string; lockfile: string } {
  const dir = join(root, "infrastructure/layers/sharp/nodejs");
  return { packageJson: join(dir, "package.json"), lockfile: join(dir, "package-lock.json") };
}

/** Lambda runs Amazon Linux (glibc): npm installs the optional `@img/*` packages for that. */
export const SHARP_LAYER_PLATFORM = ["--os=linux", `--cpu=${SHARP_LAYER_CPU}`, "--libc=glibc"] as const;

/**
 * What a built layer is stamped with: the sharp version and a hash of the manifest, the lockfile and the
 * platform flags, so a changed lockfile is installed again and an unchanged one is not.
 */
export function sharpLayerStamp(root = repoRoot()): { version: string; sha256: string } {
  const version = sharpVersion(root);
  const source = sharpLayerSource(root);
  const manifest = JSON.parse(readFileSync(source.packageJson, "utf8"));
  const lock = JSON.parse(readFileSync(source.lockfile, "utf8"));
  const locked = lock.packages?.["node_modules/sharp"]?.version;
  if (manifest.dependencies?.sharp !== version || locked !== version) {
    throw new Error(
      `The sharp layer must install sharp ${version}, as packages/adapters does, but ` +
        `infrastructure/layers/sharp/nodejs pins ${manifest.dependencies?.sharp} and locks ${locked}: ` +
        "update its package.json and rewrite its lockfile (see infrastructure/layers/sharp/build.ts)",
    );
  }
  const hash = createHash("sha256");
  for (const part of [
    readFileSync(source.packageJson),
    readFileSync(source.lockfile),
    SHARP_LAYER_PLATFORM.join(" "),
  ]) {
    hash.update(part);
    hash.update("\0");
  }
  return { version, sha256: hash.digest("hex") };
}

const STAMP_FILE = ".version";
const HASH_FILE = ".lock-sha256";

function isBuilt(outDir: string, stamp: { version: string; sha256: string }): boolean {
  const read = (file: string) =>
    existsSync(join(outDir, file)) ? readFileSync(join(outDir, file), "utf8") : undefined;
  return (
    read(STAMP_FILE) === stamp.version &&
    read(HASH_FILE) === stamp.sha256 &&
    SHARP_LAYER_PACKAGES.every((p) => existsSync(join(outDir, "nodejs/node_modules", p)))
  );
}

/**
 * Builds the layer if this lockfile is not built yet and returns the layer root (the folder that
 * contains `nodejs/`). Synchronous because CDK synthesis (an SST stack function) is.
 */
export function buildSharpLayerSync(outDir = sharpLayerDir()): string {
  const root = repoRoot();
  const stamp = sharpLayerStamp(root);
  if (isBuilt(outDir, stamp)) return outDir;

  // Build beside the target and move it in at the end, so concurrent builds (parallel test files) and an
  // interrupted one never leave a half-built layer behind a valid stamp.
  const staging = `${outDir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  const nodejs = join(staging, "nodejs");
  mkdirSync(nodejs, { recursive: true });
  const source = sharpLayerSource(root);
  copyFileSync(source.packageJson, join(nodejs, "package.json"));
  copyFileSync(source.lockfile, join(nodejs, "package-lock.json"));
  // Drop npm's per-run settings (set when this runs inside an npm script) so the install happens here,
  // not in the workspace that started it.
  const childEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_(config|package|lifecycle)_/i.test(k)),
  );
  // `npm ci` installs exactly the lockfile (and fails if it disagrees with package.json); the platform
  // flags pick Lambda's `@img/*` packages whatever machine builds. No install scripts: the binaries are
  // prebuilt, and sharp's script would only look for a local libvips.
  const result = spawnSync(
    "npm",
    [
      "ci",
      "--no-audit",
      "--no-fund",
      "--no-workspaces",
      "--ignore-scripts",
      "--omit=dev",
      ...SHARP_LAYER_PLATFORM,
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
  writeFileSync(join(staging, STAMP_FILE), stamp.version);
  writeFileSync(join(staging, HASH_FILE), stamp.sha256);

  if (isBuilt(outDir, stamp)) {
    // Another process finished first.
    rmSync(staging, { recursive: true, force: true });
  } else {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(dirname(outDir), { recursive: true });
    renameSync(staging, outDir);
  }
  return outDir;
}

/** Async form for `npm run setup` and the tests. Cached by lockfile: a no-op once built. */
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
