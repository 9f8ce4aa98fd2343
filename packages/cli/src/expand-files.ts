/** Turns the upload command's arguments into files: globs are expanded, literal paths kept. */
import { stat } from "node:fs/promises";
import { glob, isDynamicPattern } from "tinyglobby";

/** Expands globs; a literal path that exists is taken as is (its name may contain glob characters). */
export async function expandFiles(patterns: string[]): Promise<{ files: string[]; unmatched: string[] }> {
  const files: string[] = [];
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const literal = await stat(pattern).catch(() => undefined);
    if (literal?.isFile()) {
      files.push(pattern);
      continue;
    }
    const matches = isDynamicPattern(pattern)
      ? await glob(pattern, { onlyFiles: true, expandDirectories: false })
      : [];
    if (matches.length === 0) unmatched.push(pattern);
    files.push(...matches.sort());
  }
  return { files: [...new Set(files)], unmatched };
}
