/** The built CLI binary (packages/cli/dist/picstack.mjs) against the local stack, as a CI suite runs it. */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@picstack/local";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { photoJpeg } from "./helpers.js";

const run = promisify(execFile);
const binary = join(repoRoot, "packages/cli/dist/picstack.mjs");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function picstack(args: string[], env: Record<string, string> = {}, cwd = tmpdir()): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(process.execPath, [binary, ...args], {
      cwd,
      env: { ...process.env, PICSTACK_OUTPUTS: join(inject("home"), "outputs.json"), CI: "1", ...env },
      timeout: 110_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

let dir: string;
const user = `cli-${Date.now()}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "picstack-cli-"));
  await writeFile(join(dir, "one.jpg"), await photoJpeg(800, 600));
  await writeFile(join(dir, "two.jpg"), await photoJpeg(640, 480));
  await writeFile(join(dir, "three.JPEG"), await photoJpeg(500, 500));
  await writeFile(join(dir, "notes.txt"), "not an image");
  // Named .png, but not a PNG: the server finds out after the upload.
  await writeFile(join(dir, "broken.png"), Buffer.from("this is not a png at all"));
  // A folder with no images at its top level, and one image in a subfolder.
  await mkdir(join(dir, "documents", "scans"), { recursive: true });
  await writeFile(join(dir, "documents", "report.txt"), "not an image");
  await writeFile(join(dir, "documents", "scans", "page.jpg"), await photoJpeg(400, 300));
});

describe("picstack CLI", () => {
  it("uploads a glob with bounded concurrency, waits until ready, and prints JSON", async () => {
    const ran = await picstack([
      "upload",
      join(dir, "*.{jpg,JPEG}"),
      "--user",
      user,
      "--tag",
      "CLI",
      "--concurrency",
      "2",
      "--json",
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    const results = JSON.parse(ran.stdout) as {
      file: string;
      ok: boolean;
      status: string;
      image: { tags: string[]; analysis: { status: string } };
    }[];
    expect(results.map((r) => r.file.split("/").pop()).sort()).toEqual(["one.jpg", "three.JPEG", "two.jpg"]);
    for (const r of results) {
      expect(r).toMatchObject({ ok: true, status: "ready" });
      expect(r.image.tags).toContain("cli");
      expect(r.image.analysis.status).toBe("done");
    }
  });

  it("lists with filters as a table and as JSON, gets one image, deletes and restores it", async () => {
    const table = await picstack(["ls", "--user", user, "--tag", "cli", "--status", "ready"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+STATUS\s+CREATED \(UTC\)\s+SIZE\s+TAGS\s+FILENAME$/);
    expect(table.stdout).toContain("one.jpg");

    const listed = await picstack(["ls", "--user", user, "--all", "--limit", "1", "--json"]);
    const { items } = JSON.parse(listed.stdout) as { items: { id: string; filename: string }[] };
    expect(items).toHaveLength(3);
    const one = items.find((i) => i.filename === "one.jpg");

    const got = await picstack(["get", one?.id ?? "", "--user", user]);
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/status\s+ready/);
    expect(got.stdout).toMatch(/url\.thumb\s+http/);

    const removed = await picstack(["rm", one?.id ?? "", "--user", user]);
    expect(removed).toMatchObject({ code: 0, stdout: `deleted ${one?.id}\n` });
    const after = await picstack(["ls", "--user", user, "--all", "--json"]);
    expect((JSON.parse(after.stdout) as { items: unknown[] }).items).toHaveLength(2);
    const restored = await picstack(["restore", one?.id ?? "", "--user", user, "--json"]);
    expect(JSON.parse(restored.stdout)).toEqual([{ id: one?.id, ok: true }]);
  });

  it("exits non-zero when any file is rejected, fails on the server, or matches nothing", async () => {
    const ran = await picstack([
      "upload",
      join(dir, "one.jpg"),
      join(dir, "notes.txt"),
      join(dir, "broken.png"),
      join(dir, "*.gif"),
      "--user",
      `${user}-bad`,
      "--json",
    ]);
    expect(ran.code).toBe(1);
    const results = JSON.parse(ran.stdout) as {
      file: string;
      ok: boolean;
      status: string;
      error?: { code: string };
    }[];
    const byName = Object.fromEntries(results.map((r) => [r.file.split("/").pop(), r]));
    expect(byName["one.jpg"]).toMatchObject({ ok: true, status: "ready" });
    expect(byName["notes.txt"]).toMatchObject({
      ok: false,
      status: "rejected",
      error: { code: "unsupported_media_type" },
    });
    expect(byName["broken.png"]).toMatchObject({
      ok: false,
      status: "failed",
      error: { code: "unsupported_format" },
    });
    expect(byName["*.gif"]).toMatchObject({ ok: false, error: { code: "no_match" } });
  });

  it("uploads the sample photos as the README's quick start does, and tags them by their colours", async () => {
    // The README's command, from the repository's root.
    const ran = await picstack(["upload", "samples", "--user", `${user}-samples`, "--json"], {}, repoRoot);
    expect(ran.code, ran.stderr).toBe(0);
    const results = JSON.parse(ran.stdout) as { file: string; ok: boolean; image: { tags: string[] } }[];
    expect(results.map((r) => r.file)).toEqual([
      "samples/astronaut.jpg",
      "samples/chelsea.jpg",
      "samples/coffee.jpg",
      "samples/hubble-deep-field.jpg",
      "samples/retina.jpg",
      "samples/rocket.jpg",
    ]);
    const tags = Object.fromEntries(results.map((r) => [r.file.slice("samples/".length), r.image.tags]));
    expect(tags["chelsea.jpg"]).toContain("brown");
    expect(tags["coffee.jpg"]).toEqual(expect.arrayContaining(["brown", "red"]));
    expect(tags["rocket.jpg"]).toContain("blue");
    for (const r of results) expect(r.image.tags).not.toContain("white");

    const listed = await picstack(["ls", "--user", `${user}-samples`, "--tag", "landscape"], {}, repoRoot);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("chelsea.jpg");
    expect(listed.stdout).not.toContain("astronaut.jpg"); // square
  });

  it("says which it is: a missing file, a folder with no images, or a glob that matches nothing", async () => {
    const ran = await picstack([
      "upload",
      join(dir, "x.jpg"),
      join(dir, "documents"),
      join(dir, "*.bmp"),
      "--user",
      `${user}-missing`,
    ]);
    expect(ran.code).toBe(1);
    expect(ran.stderr.split("\n").slice(0, 3)).toEqual([
      `no such file: ${join(dir, "x.jpg")}`,
      `folder has no images: ${join(dir, "documents")} (its subfolders are not searched without --recursive)`,
      `no file matches: ${join(dir, "*.bmp")}`,
    ]);

    const deep = await picstack([
      "upload",
      join(dir, "documents"),
      "--recursive",
      "--user",
      `${user}-deep`,
      "--json",
    ]);
    expect(deep.code, deep.stderr).toBe(0);
    expect((JSON.parse(deep.stdout) as { file: string; ok: boolean }[]).map((r) => [r.file, r.ok])).toEqual([
      [join(dir, "documents", "scans", "page.jpg"), true],
    ]);
  });

  it("names the closest option for a mistyped one, with exit status 2", async () => {
    const ran = await picstack(["ls", "--limt", "5", "--user", user]);
    expect(ran).toEqual({
      code: 2,
      stdout: "",
      stderr: "picstack: unknown option --limt; did you mean --limit?\n",
    });
  });

  it("names the API's URL and how to start the stack when nothing answers there", async () => {
    // A loopback port that nothing listens on.
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as AddressInfo;
    await new Promise((done) => server.close(done));
    const apiUrl = `http://127.0.0.1:${port}/restapis/none/local/_user_request_`;

    const ran = await picstack(["ls", "--user", user], { PICSTACK_API_URL: apiUrl });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(
      `Could not reach the API: ${apiUrl} (from PICSTACK_API_URL) refused the connection`,
    );
    expect(ran.stderr).toContain(
      "Start the local stack with `npm start`, or pass --api-url or set PICSTACK_API_URL",
    );
  });

  it("fails clearly without a token, with a bad one, and for unknown ids and usage errors", async () => {
    const noToken = await picstack(["ls"]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("No token");

    const badToken = await picstack(["ls", "--token", "nope"]);
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain("(unauthorized)");

    const unknown = await picstack(["rm", "doesnotexist", "--user", user]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("image_not_found");

    expect((await picstack(["frobnicate", "--user", user])).code).toBe(2);
    expect((await picstack(["ls", "--user", user, "--status", "done"])).code).toBe(2);
  });

  it("skips a file the user already has, finds a copy as its duplicate, and searches by a note", async () => {
    const owner = `${user}-search`;
    const word = "lighthouse";
    const first = await picstack([
      "upload",
      join(dir, "one.jpg"),
      join(dir, "two.jpg"),
      "--note",
      `gulls over the ${word}`,
      "--user",
      owner,
      "--json",
    ]);
    expect(first.code, first.stderr).toBe(0);
    const uploaded = JSON.parse(first.stdout) as { file: string; id: string }[];
    const idOf = (name: string) => uploaded.find((r) => r.file.endsWith(name))?.id ?? "";

    // The same file again: nothing is uploaded, and the result names the image that has it.
    const again = await picstack([
      "upload",
      join(dir, "one.jpg"),
      "--skip-duplicates",
      "--user",
      owner,
      "--json",
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject([{ ok: true, status: "skipped", id: idOf("one.jpg") }]);
    const listed = await picstack(["ls", "--user", owner, "--all", "--json"]);
    expect((JSON.parse(listed.stdout) as { items: unknown[] }).items).toHaveLength(2);

    // A copy under another name, uploaded without the option, is the first one's duplicate.
    await copyFile(join(dir, "one.jpg"), join(dir, "copy-of-one.jpg"));
    const copied = await picstack(["upload", join(dir, "copy-of-one.jpg"), "--user", owner, "--json"]);
    expect(copied.code, copied.stderr).toBe(0);
    const copyId = (JSON.parse(copied.stdout) as { id: string }[])[0]?.id ?? "";
    const similarIds = async () => {
      const ran = await picstack(["similar", idOf("one.jpg"), "--user", owner, "--json"]);
      expect(ran.code, ran.stderr).toBe(0);
      const { items } = JSON.parse(ran.stdout) as { items: { image: { id: string }; kind: string }[] };
      return items.map((i) => `${i.kind} ${i.image.id}`);
    };
    // The index may take a moment to learn of a new image.
    await expect.poll(similarIds, { timeout: 60_000, interval: 1000 }).toContain(`duplicate ${copyId}`);
    const table = await picstack(["similar", idOf("one.jpg"), "--user", owner]);
    expect(table.stdout.split("\n")[0]).toMatch(/^KIND\s+SCORE\s+ID\s+FILENAME$/);
    expect(table.stdout).toMatch(
      new RegExp(`^duplicate\\s+[01]\\.\\d\\d\\s+${copyId}\\s+copy-of-one\\.jpg$`, "m"),
    );

    // Both noted images come first, each matched in its note; the copy has no note.
    const topTwo = async () => {
      const ran = await picstack(["search", word, "--user", owner, "--json"]);
      expect(ran.code, ran.stderr).toBe(0);
      const { items } = JSON.parse(ran.stdout) as { items: { image: { id: string }; matched: string[] }[] };
      return items
        .slice(0, 2)
        .filter((i) => i.matched.includes("note"))
        .map((i) => i.image.id)
        .sort();
    };
    await expect
      .poll(topTwo, { timeout: 60_000, interval: 1000 })
      .toEqual([idOf("one.jpg"), idOf("two.jpg")].sort());
    const ranked = await picstack(["search", word, "--user", owner, "--limit", "1"]);
    expect(ranked.code, ranked.stderr).toBe(0);
    expect(ranked.stdout.split("\n")[0]).toMatch(/^#\s+ID\s+SCORE\s+MATCHED\s+TAGS\s+FILENAME$/);
    expect(ranked.stdout.split("\n")[1]).toMatch(/^1\s+\S+\s+[01]\.\d\d\s+\S*note/);
    expect(ranked.stderr).toContain("more results: use --all");

    // Usage errors are caught before the API is asked.
    const bad = await picstack(["search", word, "--min-score", "2", "--user", owner]);
    expect(bad.code).toBe(2);
  });

  it("prints a dev token the API accepts", async () => {
    const ran = await picstack(["token", user]);
    expect(ran.code).toBe(0);
    const listed = await picstack(["ls", "--json"], { PICSTACK_TOKEN: ran.stdout.trim() });
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { items: unknown[] }).items.length).toBeGreaterThan(0);
  });
});
