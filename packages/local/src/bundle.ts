/**
 * Bundles each function with esbuild using the shared settings in infrastructure/picstack.ts (the same
 * ones the SST stacks pass to their functions) and zips the result for Lambda.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { bundling, type FunctionSpec } from "@picstack/infrastructure";
import { build } from "esbuild";
import { zipSync } from "fflate";
import { repoRoot } from "./paths.js";

export interface Bundle {
  zip: Uint8Array;
  sha256: string;
  /** Bytes of the bundled JavaScript, before zipping. */
  size: number;
  /** Lambda handler setting (`index.<export>`). */
  handler: string;
}

/** `packages/x/src/file.handler` → the source file and the export name. */
export function splitHandler(handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf(".");
  return { file: `${handler.slice(0, dot)}.ts`, exportName: handler.slice(dot + 1) };
}

const FIXED_DATE = new Date("2000-01-01T00:00:00Z");

export async function bundleFunction(spec: FunctionSpec): Promise<Bundle> {
  const { file, exportName } = splitHandler(spec.handler);
  const result = await build({
    entryPoints: [join(repoRoot, file)],
    bundle: true,
    write: false,
    outfile: "index.mjs",
    format: bundling.format,
    target: bundling.target,
    platform: bundling.platform,
    minify: bundling.minify,
    sourcemap: bundling.sourcemap,
    keepNames: bundling.keepNames,
    mainFields: [...bundling.mainFields],
    external: [...bundling.external],
    banner: { js: bundling.banner },
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced nothing for ${file}`);
  // A fixed timestamp keeps the zip byte-identical for identical code, so unchanged code is not redeployed.
  const zip = zipSync({ "index.mjs": [output.contents, { mtime: FIXED_DATE }] }, { level: 6 });
  return {
    zip,
    sha256: createHash("sha256").update(zip).digest("base64"),
    size: output.contents.byteLength,
    handler: `index.${exportName}`,
  };
}

/** Zips a directory tree (a layer root holding `nodejs/`). */
export async function zipDirectory(root: string): Promise<{ zip: Uint8Array; sha256: string }> {
  const files: Record<string, [Uint8Array, { mtime: Date }]> = {};
  async function walk(dir: string): Promise<void> {
    for (const entry of (await readdir(dir)).sort()) {
      const path = join(dir, entry);
      const info = await stat(path);
      if (info.isDirectory()) await walk(path);
      else files[relative(root, path)] = [await readFile(path), { mtime: FIXED_DATE }];
    }
  }
  await walk(root);
  const zip = zipSync(files, { level: 6 });
  return { zip, sha256: createHash("sha256").update(zip).digest("hex") };
}
