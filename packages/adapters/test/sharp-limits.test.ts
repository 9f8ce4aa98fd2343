/** SharpImageProcessor: sizes, orientation, stripped metadata and how hostile bytes are rejected. */
import { ImageRejectedError } from "@picstack/core";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { DEFAULT_SHARP_OPTIONS, SharpImageProcessor } from "../src/sharp-image.processor.js";

const processor = new SharpImageProcessor();

function solid(width: number, height: number, channels: 3 | 4 = 3) {
  return sharp({ create: { width, height, channels, background: { r: 200, g: 80, b: 40, alpha: 0.5 } } });
}

/** Deterministic noise (no magic number of any format at the start). */
function noise(length: number): Buffer {
  const out = Buffer.alloc(length);
  let state = 0x2545f491;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  out[0] = 0x13;
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<ImageRejectedError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ImageRejectedError);
    return error as ImageRejectedError;
  }
  throw new Error("expected a rejection");
}

describe("thumbnail sizes", () => {
  it.each([
    [3000, 1000, [256, 85], [1024, 341]],
    [1000, 3000, [85, 256], [341, 1024]],
    [2048, 2048, [256, 256], [1024, 1024]],
    [600, 300, [256, 128], [600, 300]],
    [256, 256, [256, 256], [256, 256]],
    [100, 80, [100, 80], [100, 80]],
    [1, 1, [1, 1], [1, 1]],
  ])("%i×%i → thumb %j, preview %j (fit inside, never upscaled)", async (width, height, thumb, preview) => {
    // Prepare
    const input = await solid(width, height).jpeg().toBuffer();
    // Act
    const out = await processor.thumbnails(input);
    // Assess
    expect([out.thumb.width, out.thumb.height]).toEqual(thumb);
    expect([out.preview.width, out.preview.height]).toEqual(preview);
    for (const rendered of [out.thumb, out.preview]) {
      const meta = await sharp(rendered.data).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["webp", rendered.width, rendered.height]);
    }
  });

  it("uses the configured box sizes", async () => {
    // Prepare
    const small = new SharpImageProcessor({ ...DEFAULT_SHARP_OPTIONS, thumbSize: 32, previewSize: 64 });
    // Act
    const out = await small.thumbnails(await solid(400, 200).png().toBuffer());
    // Assess
    expect([out.thumb.width, out.thumb.height]).toEqual([32, 16]);
    expect([out.preview.width, out.preview.height]).toEqual([64, 32]);
  });
});

describe("orientation and metadata", () => {
  it("swaps dimensions for EXIF orientation 6 in inspect() and in both thumbnails", async () => {
    // Prepare: stored 2000×1000, displayed 1000×2000.
    const input = await solid(2000, 1000).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    // Act
    const info = await processor.inspect(input);
    const out = await processor.thumbnails(input);
    // Assess
    expect([info.width, info.height]).toEqual([1000, 2000]);
    expect([out.thumb.width, out.thumb.height]).toEqual([128, 256]);
    expect([out.preview.width, out.preview.height]).toEqual([512, 1024]);
  });

  it("writes no EXIF, orientation, XMP or GPS into either thumbnail", async () => {
    // Prepare
    const input = await solid(300, 200)
      .jpeg()
      .withExif({
        IFD0: { Make: "Secret Cam", Model: "X1" },
        IFD3: { GPSLatitudeRef: "N", GPSLatitude: "51/1 30/1 0/1" },
      })
      .withMetadata({ orientation: 3 })
      .toBuffer();
    // Act
    const out = await processor.thumbnails(input);
    // Assess
    for (const rendered of [out.thumb, out.preview]) {
      const meta = await sharp(rendered.data).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(Buffer.from(rendered.data).toString("latin1")).not.toContain("Secret Cam");
    }
  });

  it("reports format, alpha and frame count", async () => {
    // Act
    const rgba = await processor.inspect(await solid(20, 10, 4).png().toBuffer());
    const rgb = await processor.inspect(await solid(20, 10).webp().toBuffer());
    // Assess
    expect(rgba).toMatchObject({ format: "png", width: 20, height: 10, hasAlpha: true, pages: 1 });
    expect(rgb).toMatchObject({ format: "webp", width: 20, height: 10, hasAlpha: false, pages: 1 });
    expect(rgb.camera).toBeUndefined();
  });

  it("reports SVG as svg, leaving the refusal to the format allow-list", async () => {
    // Prepare
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="50" height="40"><rect width="50" height="40"/></svg>',
    );
    // Act
    const info = await processor.inspect(svg);
    // Assess
    expect(info).toMatchObject({ format: "svg", width: 50, height: 40 });
  });
});

describe("hostile bytes", () => {
  it("refuses an image over the pixel limit as too_many_pixels, in inspect() and thumbnails()", async () => {
    // Prepare
    const limited = new SharpImageProcessor({ ...DEFAULT_SHARP_OPTIONS, maxInputPixels: 1000 });
    const input = await solid(100, 100).png().toBuffer();
    // Act
    const inspected = await rejection(limited.inspect(input));
    const rendered = await rejection(limited.thumbnails(input));
    // Assess
    expect(inspected.code).toBe("too_many_pixels");
    expect(rendered.code).toBe("too_many_pixels");
  });

  it("accepts an image of exactly the pixel limit", async () => {
    // Prepare
    const limited = new SharpImageProcessor({ ...DEFAULT_SHARP_OPTIONS, maxInputPixels: 1000 });
    // Act
    const info = await limited.inspect(await solid(40, 25).png().toBuffer());
    // Assess
    expect([info.width, info.height]).toEqual([40, 25]);
  });

  it("refuses a truncated JPEG as corrupt_image when rendering", async () => {
    // Prepare
    const whole = await solid(600, 400).jpeg().toBuffer();
    // Act
    const error = await rejection(processor.thumbnails(whole.subarray(0, Math.floor(whole.byteLength / 2))));
    // Assess
    expect(error.code).toBe("corrupt_image");
    expect(error.message).toBe("The image could not be decoded");
  });

  it("refuses a JPEG cut inside its header as corrupt_image already in inspect()", async () => {
    // Prepare
    const whole = await solid(600, 400).jpeg().toBuffer();
    // Act
    const error = await rejection(processor.inspect(whole.subarray(0, 200)));
    // Assess
    expect(error.code).toBe("corrupt_image");
  });

  it("refuses random bytes as unsupported_format in inspect() and thumbnails()", async () => {
    // Prepare
    const bytes = noise(4096);
    // Act
    const inspected = await rejection(processor.inspect(bytes));
    const rendered = await rejection(processor.thumbnails(bytes));
    // Assess
    expect(inspected.code).toBe("unsupported_format");
    expect(rendered.code).toBe("unsupported_format");
  });

  it("refuses empty input as corrupt_image", async () => {
    // Act
    const error = await rejection(processor.inspect(new Uint8Array(0)));
    // Assess
    expect(error.code).toBe("corrupt_image");
  });

  it("does not leak decoder messages to clients", async () => {
    // Act
    const error = await rejection(processor.inspect(noise(64)));
    // Assess
    expect(error.message).not.toMatch(/vips|buffer/i);
  });
});
