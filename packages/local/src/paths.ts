/** Where the local run keeps its files: `.picstack/` at the repository root (or `PICSTACK_HOME`). */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export function picstackHome(): string {
  return process.env.PICSTACK_HOME ? resolve(process.env.PICSTACK_HOME) : join(repoRoot, ".picstack");
}

export const outputsFile = () => join(picstackHome(), "outputs.json");
