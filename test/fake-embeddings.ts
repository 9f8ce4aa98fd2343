/**
 * Deterministic embeddings for tests, so semantic search is testable offline: a text's vector is the
 * normalised sum of one fixed pseudo-random vector per word, where the words of a synonym group share
 * one vector ("puppy" lands on "dog"). Used by the engine's unit tests and by the fake
 * OpenAI-compatible server's `/v1/embeddings`. Never part of a function bundle.
 */

/** Words that mean the same here; each group's first word names its concept. */
export const SYNONYMS: ReadonlyArray<ReadonlyArray<string>> = [
  ["dog", "dogs", "puppy", "puppies", "hound", "pup"],
  ["cat", "cats", "kitten", "kitty", "feline"],
  ["car", "cars", "automobile", "vehicle", "sedan"],
  ["beach", "seaside", "shore", "coast"],
  ["receipt", "invoice", "bill"],
  ["hotel", "inn", "lodging"],
  ["mountain", "mountains", "peak", "summit"],
  ["rocket", "spacecraft", "launch"],
];

const concept = new Map<string, string>(
  SYNONYMS.flatMap((group) => group.map((word): [string, string] => [word, group[0] ?? word])),
);

/** FNV-1a, then xorshift: a stable stream of numbers per word. */
function seeded(word: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619) >>> 0;
  let state = h || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296 - 0.5;
  };
}

export function fakeEmbedding(text: string, dimensions = 256): number[] {
  const out = new Float64Array(dimensions);
  // A real model embeds any text, even one with no words ("🐶", "\b"): such a text gets the vector of
  // its characters, so a vector is never zero.
  const found = text.toLowerCase().match(/[\p{L}\p{N}]+/gu);
  const words = found ?? (text.length > 0 ? [...text] : [""]);
  for (const word of words) {
    const next = seeded(concept.get(word) ?? word);
    for (let i = 0; i < dimensions; i++) out[i] = (out[i] ?? 0) + next();
  }
  const norm = Math.hypot(...out) || 1;
  return Array.from(out, (v) => v / norm);
}
