/**
 * `picstack upload --skip-duplicates` as a user runs it, against a scripted API that lists duplicates
 * as the contract says. The real API: test/e2e/cli.test.ts.
 */
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { image, json, type Route, type Seen, scriptedApi } from "./scripted-api.js";

const api = scriptedApi();

describe("picstack upload --skip-duplicates", () => {
  const created = (id: string, duplicates: string[]) => ({
    image: image({ id, status: "pending" }),
    upload: { method: "PUT", url: `${api.url}/storage/${id}`, expiresAt: "2030-01-01T00:00:00.000Z" },
    duplicates,
  });

  it("sends each file's SHA-256, skips a file the user has, and uploads a second copy only after the first", async () => {
    // Prepare: old.jpg is already uploaded (as "have"); new.jpg and copy.jpg are the same new bytes.
    const oldBytes = Buffer.from("old bytes");
    const newBytes = Buffer.from("new bytes");
    await writeFile(join(api.dir, "old.jpg"), oldBytes);
    await writeFile(join(api.dir, "new.jpg"), newBytes);
    await writeFile(join(api.dir, "copy.jpg"), newBytes);
    const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    const byDigest = new Map<string, string[]>([[digest(oldBytes), ["have"]]]);
    const ok = (_: Seen, res: ServerResponse) => {
      res.writeHead(200);
      res.end();
    };
    // The API as the contract has it: duplicates are the images made earlier with the same digest.
    const serve: Route = (s, res) => {
      if (s.method === "POST" && s.url === "/images") {
        const { sha256, filename } = JSON.parse(s.body) as { sha256: string; filename: string };
        const id = `new-${filename}`;
        const duplicates = byDigest.get(sha256) ?? [];
        byDigest.set(sha256, [...duplicates, id]);
        return json(res, 201, created(id, duplicates));
      }
      if (s.method === "GET" && s.url.startsWith("/images/")) {
        const id = s.url.slice("/images/".length);
        return json(res, 200, image({ id, filename: id === "have" ? "old.jpg" : "new.jpg" }));
      }
      if (s.method === "DELETE") {
        res.writeHead(204);
        return res.end();
      }
      return ok(s, res);
    };
    for (let i = 0; i < 20; i++) api.routes.push(serve);
    // Act
    const ran = await api.picstack(
      "upload",
      join(api.dir, "old.jpg"),
      join(api.dir, "new.jpg"),
      join(api.dir, "copy.jpg"),
      "--skip-duplicates",
      "--no-wait",
      "--json",
    );
    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    const results = JSON.parse(ran.stdout) as { file: string; ok: boolean; status: string; id: string }[];
    expect(results.map((r) => [r.file.split("/").pop(), r.ok, r.status, r.id])).toEqual([
      ["old.jpg", true, "skipped", "have"],
      ["new.jpg", true, "pending", "new-new.jpg"],
      ["copy.jpg", true, "skipped", "new-new.jpg"],
    ]);
    const posted = api.seen
      .filter((s) => s.method === "POST")
      .map((s) => JSON.parse(s.body) as { sha256: string });
    expect(posted.map((p) => p.sha256).sort()).toEqual(
      [digest(oldBytes), digest(newBytes), digest(newBytes)].sort(),
    );
    // Only new.jpg's bytes went to storage; the records made for the two skipped files were deleted.
    expect(api.seen.filter((s) => s.method === "PUT").map((s) => s.url)).toEqual(["/storage/new-new.jpg"]);
    expect(
      api.seen
        .filter((s) => s.method === "DELETE")
        .map((s) => s.url)
        .sort(),
    ).toEqual(["/images/new-copy.jpg", "/images/new-old.jpg"]);
  });

  it("reports skipped files in words and in the summary", async () => {
    // Prepare
    await writeFile(join(api.dir, "again.jpg"), Buffer.from("again"));
    api.routes.push((_, res) => json(res, 201, created("fresh", ["have"])));
    api.routes.push((_, res) => json(res, 200, image({ id: "have", filename: "first.jpg" })));
    api.routes.push((_, res) => {
      res.writeHead(204);
      res.end();
    });
    // Act
    const ran = await api.picstack("upload", join(api.dir, "again.jpg"), "--skip-duplicates");
    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toContain("skipped: already uploaded as have (first.jpg)");
    expect(ran.stderr).toContain("0 of 1 uploaded, 1 skipped (already uploaded)");
  });

  it("sends no SHA-256 without the option", async () => {
    // Prepare
    await writeFile(join(api.dir, "plain.jpg"), Buffer.from("plain"));
    api.routes.push((_, res) => json(res, 201, created("p", [])));
    api.routes.push((_, res) => {
      res.writeHead(200);
      res.end();
    });
    // Act
    const ran = await api.picstack("upload", join(api.dir, "plain.jpg"), "--no-wait", "--json");
    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(api.seen[0]?.body ?? "")).not.toHaveProperty("sha256");
  });
});
