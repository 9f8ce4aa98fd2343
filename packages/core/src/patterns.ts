/**
 * Character rules for request fields, written as patterns rather than refinements so that the OpenAPI
 * document, generated from the same schemas, says exactly what the server accepts. They use only what
 * ECMA-262 and other regex dialects (schema-driven test generators) read alike: explicit classes, no \s.
 */
import * as z from "zod";

/** What `String.prototype.trim` removes (ECMA-262 WhiteSpace and LineTerminator), as a class body. */
export const TRIMMED_CHARACTERS =
  "\\u0009-\\u000d\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";

/** At least one character that trimming keeps: the value is not blank. */
export const NOT_BLANK = new RegExp(`[^${TRIMMED_CHARACTERS}]`);

// Control characters would end up in Content-Disposition headers and logs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

/**
 * A string of at most `n` characters as JSON Schema's `maxLength` counts them (code points), which
 * the document then states; zod's `.max()` counts UTF-16 units, so an emoji would count twice.
 */
export function textUpTo(n: number) {
  return z
    .string()
    .refine((s) => codePoints(s) <= n, `must be at most ${n} characters`)
    .meta({ maxLength: n });
}

function codePoints(s: string): number {
  let count = 0;
  for (const _ of s) count++;
  return count;
}
