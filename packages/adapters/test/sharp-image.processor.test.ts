import { ImageRejectedError } from "@picstack/core";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { DEFAULT_SHARP_OPTIONS, exifSummary, SharpImageProcessor } from "../src/sharp-image.processor.js";

const processor = new SharpImageProcessor();

function photo(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: "#3070b0" } });
}

describe("SharpImageProcessor", () => {
  it("fits thumb in 256×256 and preview in 1024×1024, as WebP", async () => {
    const out = await processor.thumbnails(await photo(3000, 1000).jpeg().toBuffer());
    expect([out.thumb.width, out.thumb.height]).toEqual([256, 85]);
    expect([out.preview.width, out.preview.height]).toEqual([1024, 341]);
    expect((await sharp(out.thumb.data).metadata()).format).toBe("webp");
    expect((await sharp(out.preview.data).metadata()).format).toBe("webp");
  });

  it("never upscales a small image", async () => {
    const out = await processor.thumbnails(await photo(100, 80).png().toBuffer());
    expect([out.preview.width, out.preview.height]).toEqual([100, 80]);
    expect([out.thumb.width, out.thumb.height]).toEqual([100, 80]);
  });

  it("applies EXIF orientation and strips all metadata, GPS included", async () => {
    // Prepare: stored 400×200, EXIF orientation 6 (rotate 90° clockwise to display), with GPS.
    const input = await photo(400, 200)
      .jpeg()
      .withExif({ IFD0: { Make: "Cam" }, IFD3: { GPSLatitudeRef: "N", GPSLatitude: "1/1 2/1 3/1" } })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const inputMeta = await sharp(input).metadata();
    expect(inputMeta.orientation).toBe(6);
    expect(inputMeta.exif?.toString("latin1")).toContain("Cam");

    // Act
    const info = await processor.inspect(input);
    const out = await processor.thumbnails(input);

    // Assess
    expect([info.width, info.height]).toEqual([200, 400]);
    expect([out.preview.width, out.preview.height]).toEqual([200, 400]);
    const meta = await sharp(out.preview.data).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
  });

  it("refuses more pixels than the limit as too_many_pixels", async () => {
    const small = new SharpImageProcessor({ ...DEFAULT_SHARP_OPTIONS, maxInputPixels: 1000 });
    const bytes = await photo(100, 100).png().toBuffer();
    await expect(small.inspect(bytes)).rejects.toMatchObject({ code: "too_many_pixels" });
  });

  it("refuses a truncated JPEG as corrupt_image and plain text as unsupported_format", async () => {
    const whole = await photo(600, 400).jpeg().toBuffer();
    await expect(processor.thumbnails(whole.subarray(0, whole.byteLength / 2))).rejects.toMatchObject({
      code: "corrupt_image",
    });
    const text = processor.inspect(Buffer.from("just some text, not an image\n".repeat(10)));
    await expect(text).rejects.toBeInstanceOf(ImageRejectedError);
    await expect(text).rejects.toMatchObject({ code: "unsupported_format" });
  });
});

describe("EXIF summary", () => {
  it("reads the camera and capture time, and ignores unreadable EXIF", async () => {
    const input = await photo(64, 48)
      .jpeg()
      .withExif({
        IFD0: { Make: "Canon", Model: "Canon EOS R5" },
        IFD2: { DateTimeOriginal: "2024:05:06 07:08:09" },
      })
      .toBuffer();

    const info = await processor.inspect(input);

    expect(info.camera).toBe("Canon EOS R5");
    expect(info.takenAt).toBe("2024-05-06T07:08:09.000Z");
    expect(exifSummary(Buffer.from("Exif\0\0garbage that is not TIFF"))).toEqual({});
    expect(exifSummary(undefined)).toEqual({});
  });
});
