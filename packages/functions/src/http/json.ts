/**
 * Strict JSON for request bodies. `JSON.parse` keeps the last of duplicate keys while other parsers keep
 * the first, so a body with duplicates can mean different things to different components; refuse it.
 */

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;

function isSpace(code: number | undefined): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** The first key that appears twice in one object of `text`, which must be valid JSON. */
export function findDuplicateKey(text: string): string | undefined {
  const objects: Array<Set<string> | undefined> = [];
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      let end = i + 1;
      while (text.charCodeAt(end) !== QUOTE) end += text.charCodeAt(end) === BACKSLASH ? 2 : 1;
      let next = end + 1;
      while (isSpace(text.charCodeAt(next))) next++;
      const keys = objects[objects.length - 1];
      if (keys && text.charCodeAt(next) === COLON) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = end + 1;
      continue;
    }
    if (code === 123) objects.push(new Set());
    else if (code === 91) objects.push(undefined);
    else if (code === 125 || code === 93) objects.pop();
    i++;
  }
  return undefined;
}
