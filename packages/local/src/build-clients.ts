/**
 * Builds the clients the local run serves and the tests drive: the web gallery (Vite, into
 * .picstack/web) and the CLI (one file, packages/cli/dist/picstack.mjs). Both take seconds, so the
 * local run rebuilds them every time and never serves a stale build.
 */

import { join } from "node:path";
import { packagedDir } from "./packaged.js";
import { repoRoot } from "./paths.js";
import { webDist } from "./web.js";

export async function buildWeb(outDir = webDist): Promise<string> {
  const { build } = await import("vite");
  const root = join(repoRoot, "packages/web");
  await build({
    root,
    configFile: join(root, "vite.config.ts"),
    logLevel: "warn",
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

export async function buildClients(log: (message: string) => void = () => {}): Promise<void> {
  // An installed runner ships the gallery built, and no CLI sources (packaged.ts).
  if (packagedDir) return;
  const started = Date.now();
  // Imported here, not at the top: the builders (esbuild, Vite) are the repository's, not an installed runner's.
  const { buildCli } = await import("@picstack/cli/build");
  await Promise.all([buildWeb(), buildCli()]);
  log(`Built the web gallery and the CLI in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
