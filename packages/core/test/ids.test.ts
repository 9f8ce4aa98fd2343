/** Image ids: URL-safe, unique, and sorted by creation time. */
import { describe, expect, it } from "vitest";
import { IMAGE_ID_PATTERN, newImageId } from "../src/index.js";

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

/** The creation time encoded in an id's first ten characters. */
function timeOf(id: string): number {
  let time = 0;
  for (const char of id.slice(0, 10)) time = time * 32 + CROCKFORD.indexOf(char);
  return time;
}

describe("image ids", () => {
  it("are 26 URL-safe lower-case Crockford characters, without i, l, o or u", () => {
    // Act
    const ids = Array.from({ length: 200 }, () => newImageId());
    // Assess
    for (const id of ids) {
      expect(id).toHaveLength(26);
      expect(id).toMatch(IMAGE_ID_PATTERN);
      expect(encodeURIComponent(id)).toBe(id);
      expect(id).not.toMatch(/[ilou]/);
    }
  });

  it("encode their creation time in the first ten characters", () => {
    // Prepare
    const now = new Date("2026-03-04T05:06:07.089Z");
    // Act
    const id = newImageId(now);
    // Assess
    expect(timeOf(id)).toBe(now.getTime());
  });

  it("sort lexicographically in creation order, across digit boundaries", () => {
    // Prepare: times straddling powers of 32 in the encoded prefix.
    const times = [
      0,
      31,
      32,
      1023,
      1024,
      32 ** 4 - 1,
      32 ** 4,
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 0, 1) + 1,
    ];
    // Act
    const ids = times.map((t) => newImageId(new Date(t)));
    // Assess
    expect([...ids].sort()).toEqual(ids);
  });

  it("default to the current time", () => {
    // Prepare
    const before = Date.now();
    // Act
    const id = newImageId();
    // Assess
    const after = Date.now();
    expect(timeOf(id)).toBeGreaterThanOrEqual(before);
    expect(timeOf(id)).toBeLessThanOrEqual(after);
  });

  it("are unique within one millisecond", () => {
    // Prepare
    const at = new Date("2026-03-04T05:06:07.000Z");
    // Act
    const ids = Array.from({ length: 5000 }, () => newImageId(at));
    // Assess
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.slice(0, 10))).size).toBe(1);
  });
});
