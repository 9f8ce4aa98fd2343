/** The closest known name is suggested only when it is close enough to have been meant. */
import { describe, expect, it } from "vitest";
import { closestName } from "../src/suggest.js";

const options = [
  "tag",
  "status",
  "from",
  "to",
  "order",
  "limit",
  "all",
  "json",
  "help",
  "concurrency",
  "api-url",
];

describe("closestName", () => {
  it.each([
    ["limt", "limit"],
    ["lmit", "limit"],
    ["tga", "tag"],
    ["concurency", "concurrency"],
    ["apiurl", "api-url"],
    ["JSON", "json"],
    ["stauts", "status"],
  ])("suggests %s → %s", (typed, meant) => {
    // Act / Assess
    expect(closestName(typed, options)).toBe(meant);
  });

  it.each(["xy", "frobnicate", "z", "verbose"])("suggests nothing for %s", (typed) => {
    // Act / Assess
    expect(closestName(typed, options)).toBeUndefined();
  });

  it("suggests nothing among no candidates", () => {
    // Act / Assess
    expect(closestName("limit", [])).toBeUndefined();
  });
});
