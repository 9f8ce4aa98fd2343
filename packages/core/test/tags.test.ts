/** User tags as stored: normalised, de-duplicated and bounded. */
import { describe, expect, it } from "vitest";
import { normalizeTags, ValidationError } from "../src/index.js";

describe("tags", () => {
  it("lower-case and trim each tag, keep inner spaces, and keep first-seen order", () => {
    // Act
    const tags = normalizeTags(["\tNew York\n", "beach", "BEACH ", "new york", "Ünïcode"]);
    // Assess
    expect(tags).toEqual(["new york", "beach", "ünïcode"]);
  });

  it("allow none at all", () => {
    // Act / Assess
    expect(normalizeTags([])).toEqual([]);
  });

  it("count distinct tags: 20 distinct among many duplicates pass, 21 distinct fail", () => {
    // Prepare
    const twenty = Array.from({ length: 20 }, (_, i) => `tag${i}`);
    const withDuplicates = [...twenty, ...twenty.map((t) => ` ${t.toUpperCase()} `)];
    // Act / Assess
    expect(normalizeTags(withDuplicates)).toEqual(twenty);
    expect(() => normalizeTags([...twenty, "one-more"])).toThrow(ValidationError);
  });

  it("measure the 50-character limit after trimming", () => {
    // Act / Assess
    expect(normalizeTags([`  ${"a".repeat(50)}  `])).toEqual(["a".repeat(50)]);
    expect(() => normalizeTags(["a".repeat(51)])).toThrow(ValidationError);
    expect(() => normalizeTags(["ok", ""])).toThrow(ValidationError);
    expect(() => normalizeTags([" \t "])).toThrow(ValidationError);
  });

  it("fail with the client-visible code validation_error", () => {
    // Act
    let error: unknown;
    try {
      normalizeTags([""]);
    } catch (thrown) {
      error = thrown;
    }
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: "validation_error" });
  });
});
