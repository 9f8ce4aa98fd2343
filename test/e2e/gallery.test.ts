/**
 * The web gallery in a real browser (Debian's Chromium, driven by playwright-core) against the local
 * stack: sign in (kept for a new tab, cleared by signing out, dropped once expired), drop and choose
 * photos, watch them become thumbnails with their names and tags, filter by a tag (chips from the
 * listed images, in a stable order), edit a note, open the original, delete and undo, a failed upload's
 * details, Retry after a failed transfer, a drop larger than the rate limit, on a desktop and a phone
 * (390×844) screen; and the API reference page the API serves. Then, as another user: search from the
 * header (a word of a photo's note finds that photo first, "note" shown as matched; Escape goes back to
 * the grid) and the details' Similar strip (a photo uploaded twice shows the other as a Duplicate).
 * Screenshots are kept in test-artifacts/gallery/.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "@picstack/local";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, outputs, photoJpeg, tokenFor, uploadImage, waitForStatus } from "./helpers.js";

const CHROMIUM = process.env.PICSTACK_CHROMIUM ?? "/usr/bin/chromium";
const artifacts = join(repoRoot, "test-artifacts/gallery");

let browser: Browser;
let context: BrowserContext;
let page: Page;
const user = `gallery-${Date.now()}`;

const WAIT = 60_000;
/** Uploads in one drop, all sent while the user's write bucket is empty (it refills one a second). */
const BURST = 12;
const visible = (locator: Locator) => locator.waitFor({ state: "visible", timeout: WAIT });
const hidden = (locator: Locator) => locator.waitFor({ state: "hidden", timeout: WAIT });
const gone = (locator: Locator) => locator.waitFor({ state: "detached", timeout: WAIT });

const SESSION_KEY = "picstack.session";
const MISSING = "/images/01m819gdvpkk9mqydbm4k3rth7";
const LONG_NAME = "holiday-2026-at-the-seaside-with-the-whole-family-IMG_0042.jpg";

type Listed = { id: string; filename: string; status: string; tags: string[]; analysis: { status: string } };
const listAll = async () =>
  (await api<{ items: Listed[] }>("GET", "/images?limit=100", { token: await tokenFor(user) })).body.items;

/** The tag chips' names (their counts are a separate, hidden-from-names part). */
const chipNames = () =>
  page
    .getByRole("group", { name: "Filter by tag" })
    .getByRole("button")
    .evaluateAll((buttons) => buttons.map((b) => b.firstChild?.textContent ?? ""));

const smallJpeg = (hue: number) =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: { r: hue, g: 255 - hue, b: 90 } } })
    .jpeg()
    .toBuffer();

const shot = (name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

async function portraitJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 600, height: 900, channels: 3, background: "#2a9d55" } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** Drops files on an element the way a browser does for a drag from the desktop. */
async function dropFiles(target: string, files: { name: string; type: string; data: Buffer }[]) {
  const list = JSON.stringify(
    files.map((f) => ({ name: f.name, type: f.type, base64: f.data.toString("base64") })),
  );
  const transfer = await page.evaluateHandle(`(() => {
    const dt = new DataTransfer();
    for (const f of ${list}) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  })()`);
  const zone = page.getByRole("region", { name: target });
  await zone.dispatchEvent("dragenter", { dataTransfer: transfer });
  await zone.dispatchEvent("dragover", { dataTransfer: transfer });
  await zone.dispatchEvent("drop", { dataTransfer: transfer });
}

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // One context, so a second tab shares the first one's storage as a browser's tabs do.
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});

afterEach(async (test) => {
  // A failed step leaves a picture of the page behind, next to the others.
  if (test.task.result?.state === "fail") {
    await shot(`failed-${test.task.name.replace(/[^a-z0-9]+/gi, "-")}`).catch(() => {});
  }
});

afterAll(async () => {
  await browser?.close();
});

describe("web gallery", () => {
  it("signs in with a dev token", async () => {
    await page.goto(outputs().webUrl);
    await page.getByLabel("User id").fill(user);
    await page.getByRole("button", { name: "Sign in" }).click();
    await visible(page.getByRole("button", { name: "Sign out" }));
    await visible(page.getByText("No images yet"));
    await shot("1-signed-in");
  });

  it("keeps the session for a new tab", async () => {
    const second = await context.newPage();
    await second.goto(outputs().webUrl);
    await visible(second.getByRole("button", { name: "Sign out" }));
    await visible(second.getByText(`Signed in as ${user}`));
    await second.close();
  });

  it("refuses unsupported files before uploading, and uploads dropped and chosen photos with progress", async () => {
    await dropFiles("Upload images", [
      { name: "sea.jpg", type: "image/jpeg", data: await photoJpeg(1200, 800) },
      { name: "notes.txt", type: "text/plain", data: Buffer.from("not an image") },
    ]);
    await visible(page.getByRole("alert").filter({ hasText: "notes.txt" }));
    await page.getByLabel("Choose images").setInputFiles({
      name: "tower.jpg",
      mimeType: "image/jpeg",
      buffer: await portraitJpeg(),
    });
    await page
      .getByRole("progressbar", { name: "Upload progress for sea.jpg" })
      .waitFor({ state: "attached", timeout: WAIT });
    await page
      .getByRole("progressbar", { name: "Upload progress for tower.jpg" })
      .waitFor({ state: "attached", timeout: WAIT });

    // Both become thumbnails; the rejected file never reached the API.
    for (const name of ["sea.jpg", "tower.jpg"]) {
      const thumb = page.getByRole("button", { name: `Open ${name}` }).getByRole("img", { name });
      await visible(thumb);
      await expect
        .poll(() => thumb.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), {
          timeout: WAIT,
        })
        .toBeGreaterThan(0);
    }
    const listed = await api<{ items: { filename: string; status: string }[] }>("GET", "/images", {
      token: await tokenFor(user),
    });
    expect(listed.body.items.map((i) => i.filename).sort()).toEqual(["sea.jpg", "tower.jpg"]);
    // Each card names its file, and shows every tag the image has.
    const card = page.getByRole("button", { name: "Open sea.jpg" });
    await expect.poll(() => card.locator(".filename").textContent()).toBe("sea.jpg");
    expect(await card.locator(".filename").getAttribute("title")).toBe("sea.jpg");
    await expect
      .poll(async () => (await listAll()).find((i) => i.filename === "sea.jpg")?.analysis.status, {
        timeout: WAIT,
      })
      .toBe("done");
    const seaTags = (await listAll()).find((i) => i.filename === "sea.jpg")?.tags ?? [];
    expect(seaTags.length).toBeGreaterThan(0);
    await expect.poll(() => card.locator(".tag").allTextContents(), { timeout: WAIT }).toEqual(seaTags);
    await shot("2-uploaded");
  });

  it("filters by a tag from the analysis, with chips in alphabetical order that stay put", async () => {
    const chips = page.getByRole("group", { name: "Filter by tag" });
    await visible(chips.getByRole("button", { name: "portrait" }));
    const before = await chipNames();
    expect(before).toEqual([...before].sort((a, b) => a.localeCompare(b)));
    expect(before).toEqual(expect.arrayContaining(["landscape", "portrait"]));
    await chips.getByRole("button", { name: "portrait" }).click();
    expect(await chips.getByRole("button", { name: "portrait" }).getAttribute("aria-pressed")).toBe("true");
    const grid = page.getByRole("list", { name: "Images" });
    await visible(grid.getByRole("button", { name: "Open tower.jpg" }));
    await gone(grid.getByRole("button", { name: "Open sea.jpg" }));
    await shot("3-filtered");
    await chips.getByRole("button", { name: "portrait" }).click();
    await visible(grid.getByRole("button", { name: "Open sea.jpg" }));
    // Clicking a chip and back leaves every chip where it was.
    await expect.poll(chipNames).toEqual(before);
  });

  it("shows details and saves a note, by keyboard", async () => {
    await page.getByRole("button", { name: "Open sea.jpg" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "sea.jpg" });
    await visible(dialog);
    await visible(dialog.getByRole("img", { name: "Preview of sea.jpg" }));
    await visible(dialog.getByText("landscape").first());
    // The original, by a presigned GET from the API: the very bytes that were uploaded.
    const original = dialog.getByRole("link", { name: "Open original" });
    await visible(original);
    expect(await original.getAttribute("target")).toBe("_blank");
    const bytes = await fetch((await original.getAttribute("href")) ?? "");
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get("content-type")).toBe("image/jpeg");
    expect((await bytes.arrayBuffer()).byteLength).toBe((await photoJpeg(1200, 800)).byteLength);
    await dialog.getByLabel("Note").fill("From the pier at dawn");
    await dialog.getByRole("button", { name: "Save note" }).click();
    await visible(dialog.getByText("Saved"));
    await shot("4-details");
    await page.keyboard.press("Escape");
    await hidden(dialog);
    await expect
      .poll(() => page.evaluate("document.activeElement?.getAttribute('aria-label')"))
      .toBe("Open sea.jpg");

    const image = await api<{ items: { filename: string; note: string | null }[] }>("GET", "/images", {
      token: await tokenFor(user),
    });
    expect(image.body.items.find((i) => i.filename === "sea.jpg")?.note).toBe("From the pier at dawn");
  });

  it("deletes with undo", async () => {
    const token = await tokenFor(user);
    await page.getByRole("button", { name: "Open tower.jpg" }).click();
    await page.getByRole("dialog", { name: "tower.jpg" }).getByRole("button", { name: "Delete" }).click();
    await gone(page.getByRole("button", { name: "Open tower.jpg" }));
    const toast = page.getByRole("status").filter({ hasText: "Deleted tower.jpg" });
    await visible(toast);
    await shot("5-deleted");
    const whileDeleted = await api<{ items: { filename: string }[] }>("GET", "/images", { token });
    expect(whileDeleted.body.items.map((i) => i.filename)).toEqual(["sea.jpg"]);

    await toast.getByRole("button", { name: "Undo" }).click();
    await visible(page.getByRole("button", { name: "Open tower.jpg" }));
    const restored = await api<{ items: { filename: string }[] }>("GET", "/images", { token });
    expect(restored.body.items.map((i) => i.filename).sort()).toEqual(["sea.jpg", "tower.jpg"]);
  });

  it("drops a tag chip once no listed image carries it (a deleted GIF's animated)", async () => {
    const frames = await Promise.all(
      ["#0f0", "#f00"].map((c) =>
        sharp({ create: { width: 120, height: 90, channels: 3, background: c } })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    await page
      .getByLabel("Choose images")
      .setInputFiles({ name: "loop.gif", mimeType: "image/gif", buffer: gif });
    const chips = page.getByRole("group", { name: "Filter by tag" });
    await visible(chips.getByRole("button", { name: "animated" }));
    const withGif = await chipNames();
    expect(withGif).toEqual([...withGif].sort((a, b) => a.localeCompare(b)));

    await page.getByRole("button", { name: "Open loop.gif" }).click();
    await page.getByRole("dialog", { name: "loop.gif" }).getByRole("button", { name: "Delete" }).click();
    await gone(page.getByRole("button", { name: "Open loop.gif" }));
    await gone(chips.getByRole("button", { name: "animated" }));
    // The toast says the API has done the delete.
    await visible(page.getByRole("status").filter({ hasText: "Deleted loop.gif" }));
    // What is left: the tags of the images listed now, still in alphabetical order.
    const left = [...new Set((await listAll()).flatMap((image) => image.tags))].sort((a, b) =>
      a.localeCompare(b),
    );
    await expect.poll(chipNames).toEqual(left);
    await shot("6-chips-after-delete");
  });

  it("shows a failed upload's code and reason, no endless analysis and no made-up size", async () => {
    const junk = Buffer.from("this is not a JPEG at all");
    await page
      .getByLabel("Choose images")
      .setInputFiles({ name: "broken.jpg", mimeType: "image/jpeg", buffer: junk });
    const row = page
      .getByRole("region", { name: "Uploads" })
      .getByRole("listitem")
      .filter({ hasText: "broken.jpg" });
    await visible(row.getByText(/^failed/));
    // The server refused the bytes: uploading them again cannot help, so there is no Retry.
    expect(await row.getByRole("button", { name: "Retry broken.jpg" }).count()).toBe(0);

    const failed = (await listAll()).find((i) => i.filename === "broken.jpg");
    expect(failed?.status).toBe("failed");
    const image = await waitForStatus(await tokenFor(user), failed?.id ?? "", ["failed"]);
    expect((image.analysis as { status: string }).status).toBe("skipped");
    const error = image.error as { code: string; message: string };

    await page.getByRole("button", { name: "Open broken.jpg" }).click();
    const dialog = page.getByRole("dialog", { name: "broken.jpg" });
    await visible(dialog.getByText("Upload failed"));
    await visible(dialog.getByText(error.code, { exact: true }));
    await visible(dialog.getByText(error.message));
    await visible(dialog.getByText("Not analysed: the image failed"));
    const text = (await dialog.textContent()) ?? "";
    expect(text).not.toContain("Analysing");
    expect(text).not.toContain("0 KiB");
    expect(text).toContain(`${junk.byteLength} B`);
    expect(await dialog.getByRole("link", { name: "Open original" }).count()).toBe(0);
    await shot("7-failed-details");
    await dialog.getByRole("button", { name: "Close" }).click();
    await hidden(dialog);
  });

  it("offers Retry when a transfer fails, and a retry makes one image, not two", async () => {
    const bucketPath = `/${outputs().bucket}/`;
    const toBucket = (url: URL) => url.pathname.startsWith(bucketPath);
    let refuse = true;
    await page.route(toBucket, (route) =>
      refuse && ["PUT", "POST"].includes(route.request().method()) ? route.abort("failed") : route.continue(),
    );
    await page.getByLabel("Choose images").setInputFiles({
      name: LONG_NAME,
      mimeType: "image/jpeg",
      buffer: await photoJpeg(900, 600),
    });
    const row = page
      .getByRole("region", { name: "Uploads" })
      .getByRole("listitem")
      .filter({ hasText: LONG_NAME });
    const retry = row.getByRole("button", { name: `Retry ${LONG_NAME}` });
    await visible(retry);
    await shot("8-retry-offered");
    refuse = false;
    await retry.click();
    await visible(row.getByText("ready", { exact: true }));
    await page.unroute(toBucket);
    const named = (await listAll()).filter((i) => i.filename === LONG_NAME);
    expect(named.map((i) => i.status)).toEqual(["ready"]);
    // The card keeps a long name on one line, cut with an ellipsis, the whole name on hover.
    const filename = page.getByRole("button", { name: `Open ${LONG_NAME}` }).locator(".filename");
    expect(await filename.getAttribute("title")).toBe(LONG_NAME);
    expect(await filename.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  });

  it("queues a drop larger than the rate limit, waits as Retry-After says, and every upload ends ready", async () => {
    // Empty this user's write bucket first, so every upload of the drop meets the limit.
    const token = await tokenFor(user);
    let drained = false;
    for (let i = 0; i < 80 && !drained; i++)
      drained = (await api("DELETE", MISSING, { token })).status === 429;
    expect(drained).toBe(true);

    const limited: { url: string; retryAfter: string | undefined }[] = [];
    const onResponse = (response: {
      status: () => number;
      url: () => string;
      headers: () => Record<string, string>;
    }) => {
      if (response.status() === 429)
        limited.push({ url: response.url(), retryAfter: response.headers()["retry-after"] });
    };
    page.on("response", onResponse);
    const files = await Promise.all(
      Array.from({ length: BURST }, async (_, i) => ({
        name: `burst-${String(i).padStart(2, "0")}.jpg`,
        type: "image/jpeg",
        data: await smallJpeg(i * 9),
      })),
    );
    await dropFiles("Upload images", files);
    const rows = page
      .getByRole("region", { name: "Uploads" })
      .getByRole("listitem")
      .filter({ hasText: "burst-" });
    await expect.poll(() => rows.count()).toBe(BURST);
    await expect
      .poll(
        async () => (await rows.locator(".status").allTextContents()).filter((t) => t === "ready").length,
        {
          timeout: 150_000,
          interval: 1000,
        },
      )
      .toBe(BURST);
    page.off("response", onResponse);
    await shot("9-burst-ready");

    expect(await rows.filter({ hasText: "failed" }).count()).toBe(0);
    // The drop did meet the limit, and the API said how long to wait each time.
    expect(limited.length).toBeGreaterThan(0);
    for (const answer of limited) expect(answer.retryAfter).toMatch(/^[0-9]+$/);
    const burst = (await listAll()).filter((i) => i.filename.startsWith("burst-"));
    expect(burst.map((i) => i.status)).toEqual(Array(BURST).fill("ready"));
  }, 200_000);

  it("renders the API reference from the API itself, whose Try it out calls the running API", async () => {
    const docs = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    docs.on("request", (request) => requested.push(request.url()));
    try {
      await docs.goto(`${outputs().apiUrl}/docs/`);
      const operations = docs.locator(".opblock");
      await expect.poll(() => operations.count(), { timeout: WAIT }).toBeGreaterThanOrEqual(10);
      const paths = await docs.locator(".opblock-summary-path").allTextContents();
      expect(paths.map((p) => p.replace(/\u200b/g, ""))).toEqual(
        expect.arrayContaining(["/images", "/images/{id}", "/images/{id}/analyze", "/health"]),
      );
      await docs.locator("#operations-default-health .opblock-summary").click();
      const health = docs.locator("#operations-default-health");
      await health.getByRole("button", { name: "Try it out" }).click();
      await health.getByRole("button", { name: "Execute" }).click();
      await visible(health.locator(".live-responses-table .response-col_status").filter({ hasText: "200" }));
      await docs.screenshot({ path: join(artifacts, "10-api-reference.png") });
      // Everything the page loaded, and the call it made, went to the API.
      expect(requested.length).toBeGreaterThan(3);
      for (const url of requested) expect(url.startsWith(`${outputs().apiUrl}/`), url).toBe(true);
      expect(requested).toContain(`${outputs().apiUrl}/health`);
    } finally {
      await docs.close();
    }
  });

  it("works on a phone-sized screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await visible(page.getByRole("button", { name: "Open sea.jpg" }));
    const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"));
    expect(overflow).toBeLessThanOrEqual(0);
    await shot("6-phone");
    await page.getByRole("button", { name: "Open sea.jpg" }).click();
    const box = await page.getByRole("dialog", { name: "sea.jpg" }).boundingBox();
    expect(box?.width).toBeGreaterThan(340);
    await page.getByRole("dialog", { name: "sea.jpg" }).getByRole("button", { name: "Close" }).click();
    await hidden(page.getByRole("dialog", { name: "sea.jpg" }));

    // Every tag of a card is shown, inside its card.
    const card = page.getByRole("button", { name: "Open sea.jpg" });
    const seaTags = (await listAll()).find((i) => i.filename === "sea.jpg")?.tags ?? [];
    expect(await card.locator(".tag").allTextContents()).toEqual(seaTags);
    const inside = await card.evaluate((el) => {
      const right = el.getBoundingClientRect().right;
      return [...el.querySelectorAll(".tag")].every((t) => t.getBoundingClientRect().right <= right + 0.5);
    });
    expect(inside).toBe(true);
    const filename = page.getByRole("button", { name: `Open ${LONG_NAME}` }).locator(".filename");
    expect(await filename.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await shot("11-phone");
  });

  it("keeps the details' Close button in view while the details scroll on a phone", async () => {
    await page.getByRole("button", { name: "Open tower.jpg" }).click();
    const dialog = page.getByRole("dialog", { name: "tower.jpg" });
    await visible(dialog.getByRole("img", { name: "Preview of tower.jpg" }));
    await expect
      .poll(() =>
        dialog.evaluate(
          (d) => (d.querySelector(".preview img") as unknown as { complete: boolean } | null)?.complete,
        ),
      )
      .toBe(true);
    const scrolled = await dialog.evaluate((d) => {
      d.scrollTop = d.scrollHeight;
      return { top: d.scrollTop, overflow: d.scrollHeight - d.clientHeight };
    });
    // The details are taller than the screen, and were scrolled to their end.
    expect(scrolled.overflow).toBeGreaterThan(100);
    expect(scrolled.top).toBeGreaterThan(100);
    const close = dialog.getByRole("button", { name: "Close" });
    const box = await close.boundingBox();
    expect(box?.y).toBeGreaterThanOrEqual(0);
    expect((box?.y ?? 900) + (box?.height ?? 0)).toBeLessThanOrEqual(844);
    await shot("12-phone-details-scrolled");
    await close.click();
    await hidden(dialog);
  });

  it("drops an expired session, and signing out signs every tab out", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    const second = await context.newPage();
    await second.goto(outputs().webUrl);
    await visible(second.getByRole("button", { name: "Sign out" }));
    await page.getByRole("button", { name: "Sign out" }).click();
    await visible(page.getByLabel("User id"));
    expect(await page.evaluate(`localStorage.getItem(${JSON.stringify(SESSION_KEY)})`)).toBeNull();
    // The other tab follows, and a new one asks to sign in.
    await visible(second.getByLabel("User id"));
    await second.goto(outputs().webUrl);
    await visible(second.getByLabel("User id"));

    // A stored session whose token has expired is not used, and is removed.
    const payload = Buffer.from(
      JSON.stringify({ sub: user, exp: Math.floor(Date.now() / 1000) - 60 }),
    ).toString("base64url");
    await second.evaluate(
      `localStorage.setItem(${JSON.stringify(SESSION_KEY)}, ${JSON.stringify(JSON.stringify({ token: `h.${payload}.s`, user }))})`,
    );
    await second.reload();
    await visible(second.getByLabel("User id"));
    expect(await second.evaluate(`localStorage.getItem(${JSON.stringify(SESSION_KEY)})`)).toBeNull();
    await second.close();
  });
});

describe("web gallery: search and similar images", () => {
  const searcher = `gallery-search-${Date.now()}`;
  /** A word only the note of harbour.jpg has: no file name, tag or description here contains it. */
  const NOTE_WORD = "lighthouse";
  const box = () => page.getByRole("searchbox", { name: "Search images" });
  const results = () => page.getByRole("region", { name: "Search results" });

  /** Runs the search (Enter) and waits for its answer; the names of the results' cards, in rank order. */
  async function searchNow(query: string): Promise<string[]> {
    await box().fill(query);
    await box().press("Enter");
    await visible(
      results()
        .getByRole("status")
        .filter({ hasText: new RegExp(`\\d+\\+? results? for “${query}”`) }),
    );
    return results()
      .getByRole("listitem")
      .getByRole("button")
      .evaluateAll((cards) => cards.map((card) => card.getAttribute("aria-label") ?? ""));
  }

  it("signs in as a user with a photo that has a note, and others that do not", async () => {
    const token = await tokenFor(searcher);
    // The note is given at creation, as an upload with a note is made.
    const bytes = await photoJpeg(900, 600);
    const created = await api<{
      image: { id: string };
      upload: { url: string; headers: Record<string, string> };
    }>("POST", "/images", {
      token,
      body: {
        filename: "harbour.jpg",
        contentType: "image/jpeg",
        size: bytes.byteLength,
        note: `Gulls circling the old ${NOTE_WORD} at dusk`,
      },
    });
    expect(created.status).toBe(201);
    const put = await fetch(created.body.upload.url, {
      method: "PUT",
      headers: created.body.upload.headers,
      body: bytes,
    });
    expect(put.status).toBe(200);
    const field = await uploadImage(token, await portraitJpeg(), "image/jpeg", "field.jpg");
    await waitForStatus(token, created.body.image.id, ["ready"]);
    await waitForStatus(token, field.id, ["ready"]);

    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(outputs().webUrl);
    await page.evaluate(`localStorage.removeItem(${JSON.stringify(SESSION_KEY)})`);
    await page.reload();
    await page.getByLabel("User id").fill(searcher);
    await page.getByRole("button", { name: "Sign in" }).click();
    await visible(page.getByRole("button", { name: "Open harbour.jpg" }));
    await visible(page.getByRole("button", { name: "Open field.jpg" }));
  });

  it("finds the photo by a word of its note, first, with note as the matched field and the mode shown", async () => {
    // The search index may take a moment to learn of a new image: ask again until it has.
    await expect
      .poll(async () => (await searchNow(NOTE_WORD))[0], { timeout: WAIT, interval: 1000 })
      .toBe("Open harbour.jpg");
    const first = results().getByRole("listitem").first();
    expect(await first.locator(".match").allTextContents()).toContain("note");
    expect(await first.locator(".score").textContent()).toMatch(/^score (0\.\d\d|1\.00)$/);
    // The answer's mode: text where the server has no embeddings (a hybrid search falls back), else hybrid.
    const mode = await results().locator("[data-mode]").getAttribute("data-mode");
    expect(["text", "hybrid"]).toContain(mode);
    // By words alone, a photo without the word is no result (by meaning, it may be a weak one).
    if (mode === "text") expect(await searchNow(NOTE_WORD)).not.toContain("Open field.jpg");
    await shot("13-search");

    // The result opens its details, like a card of the grid.
    await first.getByRole("button", { name: "Open harbour.jpg" }).click();
    const dialog = page.getByRole("dialog", { name: "harbour.jpg" });
    await visible(dialog);
    await page.keyboard.press("Escape");
    await hidden(dialog);
  });

  it("goes back to the whole grid on Escape in the search box", async () => {
    await box().focus();
    await page.keyboard.press("Escape");
    await gone(results());
    expect(await box().inputValue()).toBe("");
    const grid = page.getByRole("list", { name: "Images" });
    await visible(grid.getByRole("button", { name: "Open harbour.jpg" }));
    await visible(grid.getByRole("button", { name: "Open field.jpg" }));
  });

  it("shows, in the details of a photo uploaded twice, the other copy as a Duplicate that opens", async () => {
    const bytes = await photoJpeg(720, 480);
    for (const name of ["twin-a.jpg", "twin-b.jpg"]) {
      await page.getByLabel("Choose images").setInputFiles({ name, mimeType: "image/jpeg", buffer: bytes });
      await visible(page.getByRole("button", { name: `Open ${name}` }));
    }
    const token = await tokenFor(searcher);
    const listed = (await api<{ items: Listed[] }>("GET", "/images?limit=100", { token })).body.items;
    for (const twin of listed.filter((i) => i.filename.startsWith("twin-")))
      await waitForStatus(token, twin.id, ["ready"]);

    /** Opens a twin's details and reads its Similar strip once it has answered; closes it again. */
    const stripOf = async (name: string) => {
      await page.getByRole("button", { name: `Open ${name}` }).click();
      const dialog = page.getByRole("dialog", { name });
      const strip = dialog.getByRole("region", { name: "Similar" });
      await visible(strip);
      await hidden(strip.getByText("Looking for similar images…"));
      const labels = await strip
        .getByRole("button")
        .evaluateAll((buttons) => buttons.map((b) => b.getAttribute("aria-label") ?? ""));
      await dialog.getByRole("button", { name: "Close" }).click();
      await hidden(dialog);
      return labels;
    };
    // The similar answer may lag the index a moment, as search does.
    await expect
      .poll(() => stripOf("twin-b.jpg"), { timeout: WAIT, interval: 1000 })
      .toContain("Duplicate: twin-a.jpg");

    await page.getByRole("button", { name: "Open twin-b.jpg" }).click();
    const strip = page.getByRole("dialog", { name: "twin-b.jpg" }).getByRole("region", { name: "Similar" });
    const twin = strip.getByRole("button", { name: "Duplicate: twin-a.jpg" });
    await visible(twin);
    expect(await twin.textContent()).toContain("Duplicate");
    await shot("14-similar");
    // Choosing it opens the other copy's details, whose strip names this one as its Duplicate.
    await twin.click();
    const other = page.getByRole("dialog", { name: "twin-a.jpg" });
    await visible(other);
    await visible(
      other.getByRole("region", { name: "Similar" }).getByRole("button", { name: "Duplicate: twin-b.jpg" }),
    );
    await other.getByRole("button", { name: "Close" }).click();
    await hidden(other);
  });
});
