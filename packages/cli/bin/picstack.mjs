#!/usr/bin/env node
// The built CLI is one file with no dependencies (dist/picstack.mjs); `npm run build` makes it.
import { existsSync } from "node:fs";

const built = new URL("../dist/picstack.mjs", import.meta.url);
if (!existsSync(built)) {
  process.stderr.write("picstack: the CLI is not built yet; run `npm run build` at the repository root\n");
  process.exit(2);
}
await import(built.href);
