/** "Did you mean …?": the known name closest to a mistyped one, when it is close enough to be meant. */
import { distance } from "fastest-levenshtein";

/**
 * The candidate with the smallest edit distance to `typed`, if that distance is at most a third of the
 * typed name's length (at least 2) and less than its length, so `limt` → `limit` and `tga` → `tag`,
 * but a short or unrelated name (`xy`, `frobnicate`) gets no suggestion. Ties go to the earlier candidate.
 */
export function closestName(typed: string, candidates: readonly string[]): string | undefined {
  const allowed = Math.min(Math.max(2, Math.floor(typed.length / 3)), typed.length - 1);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(typed.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= allowed ? best : undefined;
}
