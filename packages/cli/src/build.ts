/** Bundles the CLI into one dependency-free file, `dist/picstack.mjs`, that CI suites can copy and run. */
import { chmod } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
export const cliBinary = join(root, "dist/picstack.mjs");

export async function buildCli(): Promise<string> {
  await build({
    entryPoints: [join(root, "src/main.ts")],
    outfile: cliBinary,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: false,
    legalComments: "none",
    banner: { js: "#!/usr/bin/env node" },
    logLevel: "warning",
  });
  await chmod(cliBinary, 0o755);
  return cliBinary;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli();
  process.stdout.write(`built ${cliBinary}\n`);
}
