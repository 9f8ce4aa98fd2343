/**
 * Where the local run keeps its files: `.picstack/` at the repository root, or in the working folder of
 * an installed runner (packaged.ts); `PICSTACK_HOME` overrides both.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { packagedDir } from "./packaged.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** An installed runner (packaged.ts) keeps its files in `.picstack/` of the folder it runs in. */
export function picstackHome(): string {
  if (process.env.PICSTACK_HOME) return resolve(process.env.PICSTACK_HOME);
  return join(packagedDir ? process.cwd() : repoRoot, ".picstack");
}

export const outputsFile = () => join(picstackHome(), "outputs.json");
