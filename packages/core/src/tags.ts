/** User tags: lower-cased, trimmed, de-duplicated; at most 20 of 1–50 characters. */
import { ValidationError } from "./errors.js";

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 50;

export function normalizeTags(tags: ReadonlyArray<string>): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim().toLowerCase();
    // Characters as the API documents them (code points), not UTF-16 units.
    const length = [...tag].length;
    if (length === 0 || length > MAX_TAG_LENGTH) {
      throw new ValidationError(`Each tag must be 1–${MAX_TAG_LENGTH} characters after trimming`);
    }
    if (!out.includes(tag)) out.push(tag);
  }
  if (out.length > MAX_TAGS) throw new ValidationError(`At most ${MAX_TAGS} tags`);
  return out;
}
