/**
 * What the gallery asks the search API for the query and filters chosen, and what it tells the user
 * when a search fails. The gallery itself, in a browser against the real API: test/e2e/gallery.test.ts.
 */
import { PicstackError, SemanticUnavailableError } from "@picstack/sdk";
import { describe, expect, it } from "vitest";
import { SEARCH_PAGE_SIZE, searchErrorText, toSearchParams } from "../src/gallery/useSearch.js";

describe("toSearchParams", () => {
  it("sends the query, mode, tag and whole days in UTC, and leaves the status filter out", () => {
    // Act
    const params = toSearchParams(
      { query: "pier at dawn", mode: "text" },
      { tag: "beach", from: "2026-03-01", to: "2026-03-31", status: "failed" },
    );
    // Assess
    expect(params).toEqual({
      query: "pier at dawn",
      mode: "text",
      limit: SEARCH_PAGE_SIZE,
      tag: "beach",
      from: "2026-03-01T00:00:00.000Z",
      to: "2026-03-31T23:59:59.999Z",
    });
  });

  it("sends no filter that is not set", () => {
    // Act / Assess
    expect(toSearchParams({ query: "sea", mode: "hybrid" }, {})).toEqual({
      query: "sea",
      mode: "hybrid",
      limit: SEARCH_PAGE_SIZE,
    });
  });
});

describe("searchErrorText", () => {
  it("says what to do when search by meaning is unavailable", () => {
    // Act
    const text = searchErrorText(new SemanticUnavailableError("No embedding provider"));
    // Assess
    expect(text).toContain("no embedding provider");
    expect(text).toContain("“Words”");
  });

  it("leaves a 401 to the gallery, which ends the session", () => {
    // Act / Assess
    expect(searchErrorText(new PicstackError(401, "unauthorized", "expired"))).toBeUndefined();
  });

  it("asks for a new search when a cursor no longer holds, and quotes other failures", () => {
    // Act / Assess
    expect(searchErrorText(new PicstackError(400, "invalid_cursor", "bad cursor"))).toContain("search again");
    expect(searchErrorText(new PicstackError(503, "service_unavailable", "Try later"))).toBe(
      "Search failed: Try later",
    );
  });
});
