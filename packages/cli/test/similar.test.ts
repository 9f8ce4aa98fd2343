/** `picstack similar` as a user runs it, against a scripted API. The real API: test/e2e/cli.test.ts. */
import { describe, expect, it } from "vitest";
import { image, json, scriptedApi } from "./scripted-api.js";

const api = scriptedApi();

describe("picstack similar", () => {
  it("prints kind, score, id and filename, most alike first, and takes --limit", async () => {
    // Prepare
    api.routes.push((_, res) =>
      json(res, 200, {
        items: [
          { image: image({ id: "twin", filename: "copy.jpg" }), score: 1, kind: "duplicate" },
          { image: image({ id: "crop", filename: "crop.jpg" }), score: 0.87, kind: "near_duplicate" },
          { image: image({ id: "alike", filename: "other.jpg" }), score: 0.5, kind: "similar" },
        ],
      }),
    );
    // Act
    const ran = await api.picstack("similar", "orig", "--limit", "3");
    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual(["GET /images/orig/similar?limit=3"]);
    expect(
      ran.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split(/\s+/)),
    ).toEqual([
      ["KIND", "SCORE", "ID", "FILENAME"],
      ["duplicate", "1.00", "twin", "copy.jpg"],
      ["near_duplicate", "0.87", "crop", "crop.jpg"],
      ["similar", "0.50", "alike", "other.jpg"],
    ]);
  });

  it("prints JSON, says so when there are none, and exits 1 for an unknown id", async () => {
    // Prepare
    api.routes.push((_, res) => json(res, 200, { items: [] }));
    api.routes.push((_, res) => json(res, 200, { items: [] }));
    api.routes.push((_, res) =>
      json(res, 404, { error: { code: "image_not_found", message: "No image with that id" } }),
    );
    // Act
    const asJson = await api.picstack("similar", "a", "--json");
    const none = await api.picstack("similar", "a");
    const missing = await api.picstack("similar", "nope");
    // Assess
    expect(JSON.parse(asJson.stdout)).toEqual({ items: [] });
    expect(none).toMatchObject({ code: 0, stdout: "no similar images\n" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("(image_not_found)");
  });

  it("takes exactly one id (exit 2)", async () => {
    // Act / Assess
    expect((await api.picstack("similar")).code).toBe(2);
    expect((await api.picstack("similar", "a", "b")).code).toBe(2);
    expect(api.seen).toEqual([]);
  });
});
