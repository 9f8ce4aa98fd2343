/**
 * The web gallery in a real browser (Debian's Chromium, driven by playwright-core) against the local
 * stack: sign in, drop and choose photos, watch them become thumbnails with tags, filter by a tag, edit
 * a note, delete and undo, on a desktop and a phone-sized screen. Screenshots are kept in
 * test-artifacts/gallery/.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "@picstack/local";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, outputs, photoJpeg, tokenFor } from "./helpers.js";

const CHROMIUM = process.env.PICSTACK_CHROMIUM ?? "/usr/bin/chromium";
const artifacts = join(repoRoot, "test-artifacts/gallery");

let browser: Browser;
let page: Page;
const user = `gallery-${Date.now()}`;

const WAIT = 60_000;
const visible = (locator: Locator) => locator.waitFor({ state: "visible", timeout: WAIT });
const hidden = (locator: Locator) => locator.waitFor({ state: "hidden", timeout: WAIT });
const gone = (locator: Locator) => locator.waitFor({ state: "detached", timeout: WAIT });

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
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterEach(async (context) => {
  // A failed step leaves a picture of the page behind, next to the others.
  if (context.task.result?.state === "fail") {
    await shot(`failed-${context.task.name.replace(/[^a-z0-9]+/gi, "-")}`).catch(() => {});
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
    await shot("2-uploaded");
  });

  it("filters by a tag from the analysis", async () => {
    const chips = page.getByRole("group", { name: "Filter by tag" });
    await chips.getByRole("button", { name: "portrait" }).click();
    expect(await chips.getByRole("button", { name: "portrait" }).getAttribute("aria-pressed")).toBe("true");
    const grid = page.getByRole("list", { name: "Images" });
    await visible(grid.getByRole("button", { name: "Open tower.jpg" }));
    await gone(grid.getByRole("button", { name: "Open sea.jpg" }));
    await shot("3-filtered");
    await chips.getByRole("button", { name: "portrait" }).click();
    await visible(grid.getByRole("button", { name: "Open sea.jpg" }));
  });

  it("shows details and saves a note, by keyboard", async () => {
    await page.getByRole("button", { name: "Open sea.jpg" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "sea.jpg" });
    await visible(dialog);
    await visible(dialog.getByRole("img", { name: "Preview of sea.jpg" }));
    await visible(dialog.getByText("landscape").first());
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

  it("works on a phone-sized screen", async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.reload();
    await visible(page.getByRole("button", { name: "Open sea.jpg" }));
    const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"));
    expect(overflow).toBeLessThanOrEqual(0);
    await shot("6-phone");
    await page.getByRole("button", { name: "Open sea.jpg" }).click();
    const box = await page.getByRole("dialog", { name: "sea.jpg" }).boundingBox();
    expect(box?.width).toBeGreaterThan(340);
    await shot("7-phone-details");
  });
});
