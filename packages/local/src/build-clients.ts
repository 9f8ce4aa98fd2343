/**
 * Builds the clients the local run serves and the tests drive: the web gallery (Vite, into
 * .picstack/web) and the CLI (one file, packages/cli/dist/picstack.mjs). Both take seconds, so the
 * local run rebuilds them every time and never serves a stale build.
 */

import { join } from "node:path";
import { buildCli } from "@picstack/cli/build";
import { repoRoot } from "./paths.js";
import { webDist } from "./web.js";

export async function buildWeb(): Promise<string> {
  const { build } = await import("vite");
  const root = join(repoRoot, "packages/web");
  await build({
    root,
    configFile: join(root, "vite.config.ts"),
    logLevel: "warn",
    build: { outDir: webDist, emptyOutDir: true },
  });
  return webDist;
}

export async function buildClients(log: (message: string) => void = () => {}): Promise<void> {
  const started = Date.now();
  await Promise.all([buildWeb(), buildCli()]);
  log(`Built the web gallery and the CLI in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
