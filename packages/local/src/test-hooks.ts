/**
 * A test stack's test hooks (packages/functions/src/test-hooks.ts), bundled from their TypeScript source
 * into one ES module in the stack's home, which local mode's `testHooks` makes every function preload.
 * They are built here, beside the stack, and never enter the cloud assembly's function bundles.
 */
import { join } from "node:path";
import { bundling } from "@picstack/infrastructure";

/** Where a local stack's test hooks bundle goes. */
export const testHooksBundle = (home: string) => join(home, "test-hooks.mjs");

/** Bundles the module at `entry` (with what it imports) to `testHooksBundle(home)`; returns that path. */
export async function bundleTestHooks(entry: string, home: string): Promise<string> {
  const outfile = testHooksBundle(home);
  // Imported here: esbuild is the repository's, and an installed runner (packaged.ts) never bundles hooks.
  const { build } = await import("esbuild");
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: bundling.target,
    logLevel: "warning",
  });
  return outfile;
}
