/**
 * GET /images over a tag that 160 images share, through API Gateway and the list Lambda: every limit
 * answers 200, and following the cursors reaches each image exactly once. The images are written through
 * the real repository into the stack's table (the API's write rate limit would make 160 creations slow).
 */
import { DynamoImageRepository } from "@picstack/adapters/dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { libraryRecords, seedLibrary } from "../library.js";
import { type ApiResponse, api, documents, outputs, tokenFor } from "./helpers.js";

const COUNT = 160;

/** A read the rate limiter refused is sent again after `Retry-After`: the test is about the pages. */
async function get(
  path: string,
  token: string,
): Promise<ApiResponse<{ items: Array<{ id: string }>; nextCursor: string | null }>> {
  for (;;) {
    const response = await api<{ items: Array<{ id: string }>; nextCursor: string | null }>("GET", path, {
      token,
    });
    if (response.status !== 429) return response;
    await new Promise((r) => setTimeout(r, Number(response.headers.get("retry-after") ?? 1) * 1000));
  }
}

describe(`a tag on ${COUNT} images`, () => {
  const userId = `many-${Date.now().toString(36)}`;
  // Every image carries `shared`; a mixed status, as a real library has.
  const records = libraryRecords(userId, COUNT, { tags: (i) => (i % 2 ? ["shared", "odd"] : ["shared"]) });
  let token = "";

  beforeAll(async () => {
    await seedLibrary(new DynamoImageRepository(documents(), outputs().table), records);
    token = await tokenFor(userId);
  });

  it("answers 200 with a cursor for GET /images?tag=shared&limit=100", async () => {
    const response = await get("/images?tag=shared&limit=100", token);

    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(100);
    expect(response.body.nextCursor).toEqual(expect.any(String));
  });

  for (const limit of [1, 7, 100]) {
    it(`pages through all ${COUNT} at limit ${limit}, each image exactly once, newest first`, async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query = new URLSearchParams({ tag: "shared", limit: String(limit) });
        if (cursor) query.set("cursor", cursor);
        const response = await get(`/images?${query}`, token);
        expect(response.status).toBe(200);
        expect(response.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...response.body.items.map((i) => i.id));
        cursor = response.body.nextCursor;
      } while (cursor);

      expect(seen).toEqual(records.map((r) => r.id).reverse());
    });
  }

  it("pages a tag with a status filter to the end as well", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ tag: "odd", status: "ready", limit: "7", order: "asc" });
      if (cursor) query.set("cursor", cursor);
      const response = await get(`/images?${query}`, token);
      expect(response.status).toBe(200);
      seen.push(...response.body.items.map((i) => i.id));
      cursor = response.body.nextCursor;
    } while (cursor);

    expect(seen).toEqual(records.filter((r, i) => i % 2 === 1 && r.status === "ready").map((r) => r.id));
  });
});
