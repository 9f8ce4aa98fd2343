/** Thumbnails of the awkward inputs cameras and tools produce, all generated here with sharp. */
import sharp, { type Color } from "sharp";
import { describe, expect, it } from "vitest";
import { SharpImageProcessor } from "../src/sharp-image.processor.js";

const processor = new SharpImageProcessor();
const blue = { r: 51, g: 102, b: 204 };

function solid(width: number, height: number, channels: 3 | 4 = 3, background: Color = blue) {
  return sharp({ create: { width, height, channels, background } });
}

async function previewOf(input: Buffer) {
  const out = await processor.thumbnails(input);
  const image = sharp(out.preview.data);
  return { out, meta: await image.metadata(), stats: await image.stats() };
}

describe("awkward inputs", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])("applies EXIF orientation %i", async (orientation) => {
    // Prepare: stored 400×200; orientations 5–8 display it 200×400.
    const input = await solid(400, 200).jpeg().withMetadata({ orientation }).toBuffer();
    // Act
    const info = await processor.inspect(input);
    const { out, meta } = await previewOf(input);
    // Assess
    const expected = orientation >= 5 ? [200, 400] : [400, 200];
    expect([info.width, info.height]).toEqual(expected);
    expect([out.preview.width, out.preview.height]).toEqual(expected);
    expect(meta.orientation).toBeUndefined();
  });

  it("converts a CMYK JPEG to sRGB", async () => {
    const input = await solid(400, 200).jpeg().toColourspace("cmyk").toBuffer();
    expect((await sharp(input).metadata()).space).toBe("cmyk");
    const { meta, stats } = await previewOf(input);
    expect(meta.space).toBe("srgb");
    expect(meta.channels).toBe(3);
    expect(stats.dominant.b).toBeGreaterThan(stats.dominant.r + 60);
  });

  it("reduces a 16-bit PNG to an 8-bit sRGB WebP of the same colour", async () => {
    const input = await solid(400, 200).png().toColourspace("rgb16").toBuffer();
    expect((await sharp(input).metadata()).depth).toBe("ushort");
    const { meta, stats } = await previewOf(input);
    expect(meta.space).toBe("srgb");
    expect(Math.abs(stats.dominant.b - blue.b)).toBeLessThan(24);
  });

  it("keeps transparency", async () => {
    const input = await solid(300, 300, 4, { r: 255, g: 0, b: 0, alpha: 0.3 }).png().toBuffer();
    const { meta, stats } = await previewOf(input);
    expect(meta.hasAlpha).toBe(true);
    expect(stats.isOpaque).toBe(false);
  });

  it("uses the first frame of an animated image and reports the frames", async () => {
    // Prepare: two 100×100 frames, green then red.
    const frames = await Promise.all(
      [
        { r: 0, g: 255, b: 0 },
        { r: 255, g: 0, b: 0 },
      ].map((c) => solid(100, 100, 3, c).png().toBuffer()),
    );
    const input = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    // Act
    const info = await processor.inspect(input);
    const { out, stats } = await previewOf(input);
    // Assess
    expect(info.pages).toBe(2);
    expect([out.preview.width, out.preview.height]).toEqual([100, 100]);
    expect(stats.dominant.g).toBeGreaterThan(200);
    expect(stats.dominant.r).toBeLessThan(60);
  });
});
