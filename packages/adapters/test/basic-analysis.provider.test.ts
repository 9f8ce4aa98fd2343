/** The offline provider's tags and description, from previews the sharp processor makes. */
import type { ImageFeatures } from "@picstack/core";
import sharp, { type Color } from "sharp";
import { describe, expect, it } from "vitest";
import { BasicAnalysisProvider, colourName } from "../src/basic-analysis.provider.js";
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
});
