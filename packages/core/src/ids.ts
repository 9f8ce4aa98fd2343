/** Image ids: URL-safe, 26 characters, sortable by creation time (ULID-style Crockford base32). */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export function newImageId(now: Date = new Date()): string {
  let time = now.getTime();
  let prefix = "";
  for (let i = 0; i < 10; i++) {
    prefix = ALPHABET[time % 32] + prefix;
    time = Math.floor(time / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let suffix = "";
  for (const byte of random) suffix += ALPHABET[byte % 32];
  return prefix + suffix;
}

export const IMAGE_ID_PATTERN = /^[0-9a-z]{26}$/;

/**
 * User ids (a token's `sub`): 1–128 characters a key can hold safely. `#` separates key parts in the
 * table (`{sub}#{tag}`), so it and anything outside this set is refused at the edge.
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9._@:-]{1,128}$/;
