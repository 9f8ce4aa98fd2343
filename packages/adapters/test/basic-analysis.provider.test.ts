/**
 * The offline provider's tags and description, from previews the sharp processor makes: on made-up
 * images for each rule, and on the real photos in samples/ (public domain and CC0, see its README),
 * whose colours a person can check by looking.
 */
import { readFile } from "node:fs/promises";
import type { ImageFeatures } from "@picstack/core";
import sharp, { type Color } from "sharp";
import { describe, expect, it } from "vitest";
import {
  BasicAnalysisProvider,
  colourName,
  dominantColours,
  looksLikeScreenshot,
} from "../src/basic-analysis.provider.js";
import { SharpImageProcessor } from "../src/sharp-image.processor.js";

const processor = new SharpImageProcessor();
const provider = new BasicAnalysisProvider();

/** The preview and features the worker would hand the provider for `input`. */
async function analysisInput(input: Buffer): Promise<{ preview: Uint8Array; features: ImageFeatures }> {
  const info = await processor.inspect(input);
  const { preview } = await processor.thumbnails(input);
  const { camera, takenAt: _takenAt, ...features } = info;
  return { preview: preview.data, features: { ...features, ...(camera ? { camera } : {}) } };
}

const solid = (width: number, height: number, background: Color, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background } });

describe("BasicAnalysisProvider", () => {
  it("tags orientation and dominant colour, and describes the image", async () => {
    // Prepare
    const { preview, features } = await analysisInput(await solid(300, 200, "#2050d0").jpeg().toBuffer());
    // Act
    const output = await provider.analyze(preview, features);
    // Assess
    expect(output.tags).toEqual(["landscape", "blue"]);
    expect(output.description).toBe("A landscape JPEG image, mostly blue.");
  });

  it("tags a camera's photo shown upright as a portrait photo", async () => {
    // Prepare: stored 300×200, displayed 200×300, with a camera in its EXIF.
    const input = await solid(300, 200, "#2050d0")
      .jpeg()
      .withExif({ IFD0: { Make: "Nikon", Model: "Z 6" } })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const { preview, features } = await analysisInput(input);
    // Act
    const output = await provider.analyze(preview, features);
    // Assess
    expect(output.tags).toEqual(["portrait", "blue", "photo"]);
  });

  it("tags transparency and frames", async () => {
    // Prepare
    const transparent = await analysisInput(
      await solid(100, 100, { r: 200, g: 30, b: 30, alpha: 0.3 }, 4).png().toBuffer(),
    );
    // Two frames of slightly different greens (identical frames would be merged into one).
    const frames = await Promise.all(["#28a03c", "#30a840"].map((c) => solid(100, 100, c).png().toBuffer()));
    const animated = await analysisInput(
      await sharp(frames, { join: { animated: true } })
        .gif()
        .toBuffer(),
    );
    // Act
    const clear = await provider.analyze(transparent.preview, transparent.features);
    const moving = await provider.analyze(animated.preview, animated.features);
    // Assess
    expect(clear.tags).toEqual(expect.arrayContaining(["square", "transparent"]));
    expect(moving.tags).toEqual(expect.arrayContaining(["square", "green", "animated"]));
    expect(moving.description).toContain("animated (2 frames)");
  });

  it("names colours after the nearest in its palette", () => {
    // Act / Assess
    expect(colourName(250, 250, 250)).toBe("white");
    expect(colourName(10, 10, 10)).toBe("black");
    expect(colourName(230, 210, 50)).toBe("yellow");
  });

  it.each([
    [[128, 128, 128], "grey"],
    [[120, 128, 136], "grey"], // a blue-grey too unsaturated to call blue
    [[245, 244, 238], "white"],
    [[40, 38, 36], "black"],
    [[20, 40, 30], "black"], // too dark to show its hue
    [[20, 40, 110], "blue"], // navy
    [[140, 200, 235], "blue"], // sky
    [[60, 140, 60], "green"],
    [[110, 130, 80], "green"], // a muted olive, not grey
    [[50, 100, 50], "green"],
    [[100, 65, 35], "brown"],
    [[190, 150, 110], "brown"], // tan
    [[240, 130, 30], "orange"],
    [[200, 40, 40], "red"],
    [[250, 180, 195], "pink"],
    [[120, 60, 160], "purple"],
    [[40, 150, 150], "teal"],
  ] as const)("names %j %s: grey, white and black only when unsaturated", ([r, g, b], name) => {
    // Act / Assess
    expect(colourName(r, g, b)).toBe(name);
  });
});

/** Raw RGBA pixels: `fill` is the background, each rect a block of another colour. */
function pixels(
  width: number,
  height: number,
  fill: [number, number, number, number],
  rects: { x: number; y: number; w: number; h: number; rgba: [number, number, number, number] }[] = [],
): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const rect = rects.find((r) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h);
      data.set(rect?.rgba ?? fill, (y * width + x) * 4);
    }
  }
  return data;
}

describe("dominantColours", () => {
  const white = [250, 250, 250, 255] as [number, number, number, number];
  const green = [50, 130, 60, 255] as [number, number, number, number];

  it("leaves out a white background around a coloured subject", () => {
    // Prepare: a green subject on 80% white.
    const data = pixels(100, 100, white, [{ x: 30, y: 30, w: 45, h: 45, rgba: green }]);
    // Act
    const colours = dominantColours(data, 100, 100, 4);
    // Assess
    expect(colours).toEqual([{ name: "green", share: 1 }]);
  });

  it("names white when nothing has a colour", () => {
    // Prepare: a few coloured pixels (4%) on white.
    const data = pixels(100, 100, white, [{ x: 40, y: 40, w: 20, h: 20, rgba: green }]);
    // Act / Assess
    expect(dominantColours(data, 100, 100, 4).map((c) => c.name)).toEqual(["white"]);
  });

  it("names white when it is in the picture rather than around it", () => {
    // Prepare: green at the border, a white waterfall (30%) in the middle.
    const data = pixels(100, 100, green, [{ x: 35, y: 0, w: 30, h: 100, rgba: white }]);
    // Act / Assess: the border is mostly green, so white is no background; it covers 30%.
    expect(dominantColours(data, 100, 100, 4).map((c) => c.name)).toEqual(["green", "white"]);
  });

  it("lists colours by area, largest first, each over the threshold, at most three", () => {
    // Prepare: 40% blue, 25% orange, 20% yellow, 10% red, 5% purple, in vertical bands.
    const band = (x: number, w: number, rgba: [number, number, number, number]) => ({
      x,
      y: 0,
      w,
      h: 100,
      rgba,
    });
    const data = pixels(
      100,
      100,
      [40, 90, 200, 255],
      [
        band(40, 25, [240, 130, 30, 255]),
        band(65, 20, [240, 215, 40, 255]),
        band(85, 10, [200, 30, 30, 255]),
        band(95, 5, [120, 50, 160, 255]),
      ],
    );
    // Act / Assess
    expect(dominantColours(data, 100, 100, 4)).toEqual([
      { name: "blue", share: 0.4 },
      { name: "orange", share: 0.25 },
      { name: "yellow", share: 0.2 },
    ]);
  });

  it("skips transparent pixels", () => {
    // Prepare: a red square on transparent white.
    const data = pixels(
      50,
      50,
      [255, 255, 255, 0],
      [{ x: 20, y: 20, w: 10, h: 10, rgba: [200, 30, 30, 255] }],
    );
    // Act / Assess
    expect(dominantColours(data, 50, 50, 4)).toEqual([{ name: "red", share: 1 }]);
  });
});

describe("looksLikeScreenshot", () => {
  const png = { format: "png", hasAlpha: false, pages: 1 };

  it.each([
    [{ ...png, width: 1280, height: 800 }, 2.5, true],
    [{ ...png, width: 1170, height: 2532 }, 3, true], // a phone, upright
    [{ ...png, width: 1280, height: 800 }, 6.5, false], // as many tones as a photo
    [{ ...png, width: 220, height: 260 }, 2, false], // a small coat of arms
    [{ ...png, width: 1024, height: 1024 }, 2, false], // a square logo or icon
    [{ ...png, width: 3000, height: 600 }, 2, false], // a banner
    [{ ...png, format: "jpeg", width: 1280, height: 800 }, 2, false],
    [{ ...png, camera: "Nikon Z 6", width: 1280, height: 800 }, 2, false],
  ])("%j with entropy %d: %s", (features, entropy, expected) => {
    // Act / Assess
    expect(looksLikeScreenshot(features, { entropy, opaque: true })).toBe(expected);
  });

  it("takes an opaque RGBA PNG (as some systems save them), never one with transparent pixels", () => {
    // Prepare
    const rgba = { ...png, hasAlpha: true, width: 1440, height: 900 };
    // Act / Assess
    expect(looksLikeScreenshot(rgba, { entropy: 2, opaque: true })).toBe(true);
    expect(looksLikeScreenshot(rgba, { entropy: 2, opaque: false })).toBe(false);
  });

  it("is what the provider tags: a window-sized flat PNG is a screenshot, a small graphic is not", async () => {
    // Prepare: flat shapes, once at a window's size and once as a small emblem.
    const flat = (width: number, height: number) =>
      solid(width, height, "#f0f0f0")
        .composite([
          {
            input: { create: { width, height: Math.round(height / 10), channels: 3, background: "#2050d0" } },
            top: 0,
            left: 0,
          },
          {
            input: {
              create: {
                width: Math.round(width / 4),
                height: Math.round(height / 2),
                channels: 3,
                background: "#c02020",
              },
            },
            top: Math.round(height / 4),
            left: Math.round(width / 3),
          },
        ])
        .png()
        .toBuffer();
    const window = await analysisInput(await flat(1280, 800));
    const emblem = await analysisInput(await flat(220, 260));
    // Act
    const screen = await provider.analyze(window.preview, window.features);
    const small = await provider.analyze(emblem.preview, emblem.features);
    // Assess
    expect(screen.tags).toContain("screenshot");
    expect(screen.description).toContain("looks like a screenshot");
    expect(small.tags).not.toContain("screenshot");
  });
});

describe("BasicAnalysisProvider on real photos", () => {
  const sample = (name: string) => readFile(new URL(`../../../samples/${name}`, import.meta.url));

  it.each([
    // The cat is a brown tabby; the grey of its white fur is too little to name.
    ["chelsea.jpg", ["landscape", "brown"]],
    // The wooden table and the red-brown cup; the white inside the cup is a sliver.
    ["coffee.jpg", ["landscape", "brown", "red"]],
    // An orange suit and a black helmet in front of a grey backdrop, which is left out.
    ["astronaut.jpg", ["square", "black", "brown", "orange"]],
    // The dusk sky.
    ["rocket.jpg", ["landscape", "blue"]],
    // The orange-red fundus; its black surround is the background.
    ["retina.jpg", ["square", "red", "orange"]],
    // Space, with galaxies too small to count.
    ["hubble-deep-field.jpg", ["landscape", "black"]],
  ])("tags %s %j", async (file, expected) => {
    // Prepare
    const { preview, features } = await analysisInput(await sample(file));
    // Act
    const output = await provider.analyze(preview, features);
    // Assess
    expect(output.tags).toEqual(expected);
    expect(output.tags).not.toContain("white");
    expect(output.tags).not.toContain("screenshot");
  });

  it("describes a photo by its colours", async () => {
    // Prepare
    const { preview, features } = await analysisInput(await sample("coffee.jpg"));
    // Act
    const output = await provider.analyze(preview, features);
    // Assess
    expect(output.description).toBe("A landscape JPEG image, mostly brown and red.");
  });
});
