/**
 * The manifest a workspace package ships with, for `npm pack`: `tsx pack-manifest.ts apply` in the
 * package's `prepack` script, `tsx pack-manifest.ts restore` in its `postpack`.
 *
 * In this repository the packages point at their TypeScript sources (`exports: "./src/index.ts"`), so
 * the tests, the type check and the bundlers read the sources with no build step. A packed package must
 * point at what its build wrote to `dist/` instead. pnpm and Yarn do that from `publishConfig` (fields
 * there replace the top-level ones in the packed manifest); npm does not, so this script does the same
 * for npm: while the tarball is made, package.json carries the `publishConfig` fields at the top level,
 * without `devDependencies` (they name workspace packages that are not published); `restore` puts the
 * workspace manifest back. A pack that fails before `postpack` leaves the backup beside package.json,
 * and the next `apply` refuses to start until `restore` has run.
 */
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The fields `publishConfig` may replace (pnpm's list, plus `dependencies` for bundled packages). */
const REPLACED = ["exports", "main", "module", "types", "typings", "bin", "dependencies"] as const;

const manifestFile = join(process.cwd(), "package.json");
const backupFile = join(process.cwd(), "package.json.workspace");

type Manifest = Record<string, unknown> & { publishConfig?: Record<string, unknown> };

/** The packed manifest for a workspace manifest. */
export function packedManifest(workspace: Manifest): Manifest {
  const { publishConfig = {}, devDependencies: _dev, ...rest } = workspace;
  const packed: Manifest = { ...rest };
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(publishConfig)) {
    if ((REPLACED as readonly string[]).includes(key)) packed[key] = value;
    else config[key] = value;
  }
  if (Object.keys(config).length > 0) packed.publishConfig = config;
  return packed;
}

async function apply(): Promise<void> {
  if (existsSync(backupFile)) {
    throw new Error(
      `${backupFile} exists: an earlier pack did not finish. Run \`tsx scripts/pack-manifest.ts restore\` in the package first.`,
    );
  }
  const text = await readFile(manifestFile, "utf8");
  await writeFile(backupFile, text);
  await writeFile(manifestFile, `${JSON.stringify(packedManifest(JSON.parse(text) as Manifest), null, 2)}\n`);
}

async function restore(): Promise<void> {
  if (existsSync(backupFile)) await rename(backupFile, manifestFile);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const command = process.argv[2];
  if (command === "apply") await apply();
  else if (command === "restore") await restore();
  else throw new Error("usage: tsx pack-manifest.ts apply|restore");
}
