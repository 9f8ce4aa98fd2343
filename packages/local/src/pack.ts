/**
 * What `npm pack -w @picstack/local` ships beside the bundled runner (packaged.ts), built by its
 * `prepack` script (`tsx src/pack.ts`) into `dist/`:
 * - `cli.mjs` (the `picstack-local` binary) and `index.mjs` (the programmatic API, `startLocalStack`),
 *   one ES module graph with Picstack's own packages bundled in, the AWS SDK and the CDK CLI left to
 *   the package's dependencies;
 * - `assembly/`: the cloud assembly synthesized in local mode with placeholders (packaged-assembly.ts);
 * - `web/`: the web gallery, built;
 * - `requirements/`: the pinned MiniStack and boto3 requirements the runner installs from PyPI.
 * The synth reuses the one of the last pack while nothing it is built from changed (synth.ts).
 */
import { cp, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { bundling } from "@picstack/infrastructure";
import { LOCAL_MODE_VARIABLE } from "@picstack/infrastructure/local-mode";
import { build } from "esbuild";
import { buildWeb } from "./build-clients.js";
import { DEV_AUDIENCE, DEV_ISSUER } from "./dev-issuer.js";
import { packagedLayout } from "./packaged.js";
import { PLACEHOLDERS, placeholderLocalMode } from "./packaged-assembly.js";
import { repoRoot } from "./paths.js";
import { synthesize } from "./synth.js";

const packageRoot = join(repoRoot, "packages/local");
const dist = join(packageRoot, "dist");

/** Modules the bundle leaves as imports: the package's dependencies, and the repository-only builders it never calls when installed. */
const EXTERNAL = ["@aws-sdk/*", "aws-cdk", "esbuild", "vite", "@picstack/cli/build"];

export async function packRunner(log: (message: string) => void): Promise<void> {
  const layout = packagedLayout(dist);
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });

  const assembly = await synthesize({
    home: join(repoRoot, ".picstack/pack"),
    environment: {
      [LOCAL_MODE_VARIABLE]: JSON.stringify(
        placeholderLocalMode({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE }),
      ),
      PICSTACK_WEB_ORIGIN: PLACEHOLDERS.webOrigin,
    },
    log,
  });
  await cp(assembly, layout.assembly, { recursive: true });
  // The construct tree is for the CDK's tooling; a deploy does not read it.
  await rm(join(layout.assembly, "tree.json"), { force: true });
  log("assembly: copied");

  await buildWeb(layout.web);
  log("web gallery: built");

  await mkdir(layout.requirements, { recursive: true });
  for (const name of ["requirements.txt", "requirements-lambda-python.txt"]) {
    await cp(join(repoRoot, "infrastructure/local", name), join(layout.requirements, name));
  }

  await build({
    entryPoints: { cli: join(packageRoot, "src/cli.ts"), index: join(packageRoot, "src/index.ts") },
    outdir: dist,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    // Chunks beside the entry points: packaged.ts finds the packed files from its own module's folder.
    chunkNames: "[name]-[hash]",
    platform: "node",
    format: "esm",
    target: bundling.target,
    external: EXTERNAL,
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    legalComments: "none",
    logLevel: "warning",
  });
  log("runner: bundled");
}

await packRunner((message) => process.stderr.write(`[picstack pack] ${message}\n`));
