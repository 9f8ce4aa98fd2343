/**
 * A filter whose only match lies beyond one request's read budget: the API answers an empty page with
 * a cursor, and every client (the SDK's iterator, `picstack ls --all`, the gallery's infinite scroll)
 * follows it to the image instead of stopping at "no images".
 */
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DynamoImageRepository, LIST_READ_BUDGET } from "@picstack/adapters/dynamodb";
import { repoRoot } from "@picstack/local";
import { PicstackClient } from "@picstack/sdk";
import { chromium } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { libraryRecords, seedLibrary } from "../library.js";
import { api, documents, outputs, tokenFor } from "./helpers.js";

const run = promisify(execFile);
const user = `deep-${Date.now().toString(36)}`;
// The oldest image is the only pending one; newer ones fill more than a request's budget of the tag.
const records = libraryRecords(user, LIST_READ_BUDGET + 20, {
  status: (i) => (i === 0 ? "pending" : "ready"),
  tags: () => ["deep"],
});
const target = records[0]?.id;

beforeAll(async () => {
  await seedLibrary(new DynamoImageRepository(documents(), outputs().table), records);
});

describe("an empty page with a cursor", () => {
  it("is what the API answers when the budget runs out before a match", async () => {
    const response = await api<{ items: unknown[]; nextCursor: string | null }>(
      "GET",
      "/images?tag=deep&status=pending&limit=20",
      { token: await tokenFor(user) },
    );
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([]);
    expect(response.body.nextCursor).toEqual(expect.any(String));
  });

  it("is followed by the SDK's iterateImages", async () => {
    const token = await tokenFor(user);
    const client = new PicstackClient({ baseUrl: outputs().apiUrl, token: () => token });
    const found: string[] = [];
    for await (const image of client.iterateImages({ tag: "deep", status: "pending" })) found.push(image.id);
    expect(found).toEqual([target]);
  });

  it("is followed by picstack ls --all", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        join(repoRoot, "packages/cli/dist/picstack.mjs"),
        "ls",
        "--user",
        user,
        "--tag",
        "deep",
        "--status",
        "pending",
        "--all",
        "--json",
      ],
      {
        cwd: tmpdir(),
        env: { ...process.env, PICSTACK_OUTPUTS: join(inject("home"), "outputs.json"), CI: "1" },
      },
    );
    expect((JSON.parse(stdout) as { items: Array<{ id: string }> }).items.map((i) => i.id)).toEqual([target]);
  });

  it("is followed by the gallery's infinite scroll", async () => {
    const browser = await chromium.launch({
      executablePath: process.env.PICSTACK_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(outputs().webUrl);
      await page.getByLabel("User id").fill(user);
      await page.getByRole("button", { name: "Sign in" }).click();
      const chips = page.getByRole("group", { name: "Filter by tag" });
      await chips.getByRole("button", { name: "deep" }).click();
      await page.getByLabel("Status").selectOption("pending");

      const grid = page.getByRole("list", { name: "Images" });
      await grid
        .getByRole("button", { name: "Open photo-0.jpg" })
        .waitFor({ state: "visible", timeout: 60_000 });
      expect(await grid.getByRole("listitem").count()).toBe(1);
      expect(await page.getByText("No images match these filters.").count()).toBe(0);
    } finally {
      await browser.close();
    }
  });
});
