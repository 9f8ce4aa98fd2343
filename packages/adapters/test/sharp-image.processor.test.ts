/**
 * SharpImageProcessor on the inputs cameras and tools produce, all generated here with sharp (HEIC with
 * heif-enc, test/heic-files.ts): thumbnail sizes, orientation, stripped metadata, colour spaces, frames,
 * EXIF, and how hostile bytes are rejected.
 */
import { ImageRejectedError } from "@picstack/core";
import sharp, { type Color } from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addTransforms,
  type HeicFixture,
  heicFixtures,
  heifEnc,
  isUpright,
  jpegInHeif,
  makeGrid,
  PHOTO,
  photo,
  photoCorners,
  rewrite,
  storedForExif,
} from "../../../test/heic-files.js";
import {
  DEFAULT_SHARP_OPTIONS,
  exifSummary,
  phashHex,
  SharpImageProcessor,
} from "../src/sharp-image.processor.js";

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
  ])(
    "%i×%i → thumb %j, preview %j (fit inside, never upscaled), as WebP",
    async (width, height, thumb, preview) => {
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
    },
  );

  it("uses the configured box sizes", async () => {
    // Prepare
    const small = new SharpImageProcessor({ ...DEFAULT_SHARP_OPTIONS, thumbSize: 32, previewSize: 64 });
    // Act
    const out = await small.thumbnails(await solid(400, 200).png().toBuffer());
    // Assess
    expect([out.thumb.width, out.thumb.height]).toEqual([32, 16]);
    expect([out.preview.width, out.preview.height]).toEqual([64, 32]);
  });

  it("renders the image for a vision model from the preview, fitting 512 and never upscaled", async () => {
    // Prepare
    const { preview } = await processor.thumbnails(await solid(2000, 1000).jpeg().toBuffer());
    const small = (await processor.thumbnails(await solid(300, 200).jpeg().toBuffer())).preview;
    // Act
    const rendition = await sharp(await processor.analysisRendition(preview.data)).metadata();
    const smallRendition = await sharp(await processor.analysisRendition(small.data)).metadata();
    // Assess
    expect([rendition.format, rendition.width, rendition.height]).toEqual(["webp", 512, 256]);
    expect([smallRendition.width, smallRendition.height]).toEqual([300, 200]);
  });
});

/** Bits that differ between two 16-hex-character hashes. */
function distance(a: string, b: string): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) {
    let x = Number.parseInt(a[i] as string, 16) ^ Number.parseInt(b[i] as string, 16);
    for (; x; x >>= 1) bits += x & 1;
  }
  return bits;
}

describe("perceptual hash", () => {
  it("turns sharp-phash's 64 bits into 16 hex characters, and refuses anything else", () => {
    expect(phashHex(`${"1111".repeat(4)}${"0000".repeat(11)}1010`)).toBe("ffff00000000000a");
    expect(phashHex("10".repeat(32))).toBe("a".repeat(16));
    expect(() => phashHex("10".repeat(31))).toThrow();
    expect(() => phashHex("2".repeat(64))).toThrow();
  });

  it("is about the same for the same picture in other formats, sizes and EXIF turns, and far for another", async () => {
    // Prepare
    const upright = photo(1600, 1200);
    const jpeg = await upright.clone().jpeg({ quality: 80 }).toBuffer();
    const png = await upright.clone().png().toBuffer();
    const smaller = await upright.clone().resize(400, 300).webp().toBuffer();
    // Stored turned, shown upright by its EXIF orientation 6 (as a camera held upright writes it).
    const turned = await upright.clone().rotate(270).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const other = await photo(1600, 1200).flip().flop().jpeg().toBuffer();
    // Act
    const hash = async (input: Buffer) => (await processor.thumbnails(input)).phash;
    const [a, b, c, d, e] = [
      await hash(jpeg),
      await hash(png),
      await hash(smaller),
      await hash(turned),
      await hash(other),
    ];
    // Assess
    for (const each of [a, b, c, d, e]) expect(each).toMatch(/^[0-9a-f]{16}$/);
    for (const near of [b, c, d]) expect(distance(a, near)).toBeLessThanOrEqual(6);
    expect(distance(a, e)).toBeGreaterThan(10);
  });
});

describe("orientation and metadata", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    "applies EXIF orientation %i in inspect() and both thumbnails",
    async (orientation) => {
      // Prepare: stored 400×200; orientations 5–8 display it 200×400.
      const input = await solid(400, 200).jpeg().withMetadata({ orientation }).toBuffer();
      // Act
      const info = await processor.inspect(input);
      const { out, meta } = await previewOf(input);
      // Assess
      const swapped = orientation >= 5;
      expect([info.width, info.height]).toEqual(swapped ? [200, 400] : [400, 200]);
      expect([out.preview.width, out.preview.height]).toEqual(swapped ? [200, 400] : [400, 200]);
      expect([out.thumb.width, out.thumb.height]).toEqual(swapped ? [128, 256] : [256, 128]);
      expect(meta.orientation).toBeUndefined();
    },
  );

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
    expect((await sharp(input).metadata()).exif?.toString("latin1")).toContain("Secret Cam");
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

describe("EXIF summary", () => {
  it("reads the camera and capture time, without repeating the make", async () => {
    // Prepare
    const input = await solid(64, 48)
      .jpeg()
      .withExif({
        IFD0: { Make: "Canon", Model: "Canon EOS R5" },
        IFD2: { DateTimeOriginal: "2024:05:06 07:08:09" },
      })
      .toBuffer();
    // Act
    const info = await processor.inspect(input);
    // Assess
    expect(info.camera).toBe("Canon EOS R5");
    expect(info.takenAt).toBe("2024-05-06T07:08:09.000Z");
  });

  it("joins make and model when the model does not start with the make", async () => {
    // Prepare
    const input = await solid(64, 48)
      .jpeg()
      .withExif({ IFD0: { Make: "Nikon", Model: "Z 6" } })
      .toBuffer();
    // Act / Assess
    expect((await processor.inspect(input)).camera).toBe("Nikon Z 6");
  });

  it("ignores unreadable EXIF", () => {
    // Act / Assess
    expect(exifSummary(Buffer.from("Exif\0\0garbage that is not TIFF"))).toEqual({});
    expect(exifSummary(undefined)).toEqual({});
  });
});

describe("colour and frames", () => {
  it("converts a CMYK JPEG to sRGB", async () => {
    // Prepare
    const input = await solid(400, 200).jpeg().toColourspace("cmyk").toBuffer();
    expect((await sharp(input).metadata()).space).toBe("cmyk");
    // Act
    const { meta, stats } = await previewOf(input);
    // Assess
    expect(meta.space).toBe("srgb");
    expect(meta.channels).toBe(3);
    expect(stats.dominant.b).toBeGreaterThan(stats.dominant.r + 60);
  });

  it("reduces a 16-bit PNG to an 8-bit sRGB WebP of the same colour", async () => {
    // Prepare
    const input = await solid(400, 200).png().toColourspace("rgb16").toBuffer();
    expect((await sharp(input).metadata()).depth).toBe("ushort");
    // Act
    const { meta, stats } = await previewOf(input);
    // Assess
    expect(meta.space).toBe("srgb");
    expect(Math.abs(stats.dominant.b - blue.b)).toBeLessThan(24);
  });

  it("keeps transparency", async () => {
    // Prepare
    const input = await solid(300, 300, 4, { r: 255, g: 0, b: 0, alpha: 0.3 }).png().toBuffer();
    // Act
    const { meta, stats } = await previewOf(input);
    // Assess
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

  it.each([
    ["random bytes", noise(4096)],
    ["plain text", Buffer.from("just some text, not an image\n".repeat(10))],
  ])("refuses %s as unsupported_format in inspect() and thumbnails()", async (_, bytes) => {
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

describe("HEIC from phones (HEVC, decoded by libheif in WebAssembly)", () => {
  let fixtures: HeicFixture[];
  beforeAll(async () => {
    fixtures = await heicFixtures();
  }, 120_000);
  const fixture = (name: string) => {
    const found = fixtures.find((f) => f.name === name);
    if (!found) throw new Error(`no fixture ${name}`);
    return found;
  };

  async function expectUpright(image: Uint8Array) {
    const corners = await photoCorners(image);
    expect(isUpright(corners), JSON.stringify(corners)).toBe(true);
  }

  const names = [
    "landscape.heic",
    "portrait.heic",
    "portrait-irot-exif6.heic",
    "portrait-irot-imir.heic",
    "portrait-exif6-only.heic",
    "grid-irot.heic",
    "ten-bit.heic",
    "alpha.heic",
    "primary-second.heic",
    "depth-and-gain-map.heic",
  ];

  it.each(names)("%s: inspect() reports the size as shown", async (name) => {
    // Prepare
    const f = fixture(name);
    // Act
    const info = await processor.inspect(f.data);
    // Assess
    expect(info).toMatchObject({ format: "heif", width: f.width, height: f.height, pages: 1 });
    expect(info.hasAlpha).toBe(f.alpha === true);
    expect(info.camera).toBe(f.camera);
  });

  it.each(names)("%s: WebP thumbnails, upright, without metadata", async (name) => {
    // Prepare
    const f = fixture(name);
    const thumbSide = (side: number) => Math.round((side * 256) / Math.max(f.width, f.height));
    // Act
    const out = await processor.thumbnails(f.data);
    // Assess
    expect(out.phash).toMatch(/^[0-9a-f]{16}$/);
    expect([out.preview.width, out.preview.height]).toEqual([f.width, f.height]);
    expect([out.thumb.width, out.thumb.height]).toEqual([thumbSide(f.width), thumbSide(f.height)]);
    for (const rendered of [out.thumb, out.preview]) {
      const meta = await sharp(rendered.data).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["webp", rendered.width, rendered.height]);
      expect([meta.exif, meta.icc, meta.xmp, meta.orientation]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      expect(meta.hasAlpha).toBe(f.alpha === true);
      await expectUpright(rendered.data);
    }
  });

  it("hashes a HEIC from its decoded pixels like the same photo as a JPEG", async () => {
    // Prepare: landscape.heic is `photo(640, 480)` encoded with HEVC.
    const jpeg = await photo(640, 480).jpeg().toBuffer();
    // Act
    const heic = await processor.thumbnails(fixture("landscape.heic").data);
    const same = await processor.thumbnails(jpeg);
    // Assess
    expect(distance(heic.phash, same.phash)).toBeLessThanOrEqual(6);
  });

  it("keeps the transparency of a HEIC with alpha", async () => {
    // Act
    const out = await processor.thumbnails(fixture("alpha.heic").data);
    // Assess: the photo's bottom half is see-through.
    const { channels } = await sharp(out.preview.data).stats();
    expect(channels[3]?.min).toBeLessThan(120);
    expect(channels[3]?.max).toBeGreaterThan(240);
  });

  it.each([2, 3, 4, 5, 7, 8])(
    "orients a HEIC without transforms by its EXIF orientation %i",
    async (orientation) => {
      // Prepare: stored turned and mirrored as orientation says; no irot or imir in the file.
      const upright = await photo(160, 96).png().toBuffer();
      const input = await heifEnc([await storedForExif(upright, orientation)], { exif: { orientation } });
      // Act
      const info = await processor.inspect(input);
      const out = await processor.thumbnails(input);
      // Assess
      expect([info.width, info.height]).toEqual([160, 96]);
      expect([out.preview.width, out.preview.height]).toEqual([160, 96]);
      await expectUpright(out.preview.data);
    },
  );

  it("orients a HEIC whose only transform is a crop by its EXIF orientation", async () => {
    // Prepare: a clean aperture (the whole picture) and EXIF 6, no irot or imir.
    const upright = await photo(160, 96).png().toBuffer();
    const clap = { left: 0, top: 0, width: 96, height: 160, imageWidth: 96, imageHeight: 160 };
    const input = rewrite(
      await heifEnc([await storedForExif(upright, 6)], { exif: { orientation: 6 } }),
      (m) => addTransforms(m, m.primary, [{ clap }]),
    );
    // Act
    const info = await processor.inspect(input);
    const out = await processor.thumbnails(input);
    // Assess
    expect([info.width, info.height]).toEqual([160, 96]);
    await expectUpright(out.preview.data);
  });

  it("reads the camera and capture time from the HEIC's EXIF", async () => {
    // Act
    const info = await processor.inspect(fixture("grid-irot.heic").data);
    // Assess
    expect(info.camera).toBe("Apple iPhone 15 Pro");
    expect(info.takenAt).toBe("2025-06-07T08:09:10.000Z");
  });

  it("converts a Display P3 HEIC (as iPhones write) to sRGB", async () => {
    // Prepare: the same photo in P3, with its profile; and the P3 numbers without a profile.
    const p3 = await photo(320, 240).withIccProfile("p3").png().toBuffer();
    const input = await heifEnc([p3]);
    const p3Numbers = await sharp(p3, { ignoreIcc: true }).raw().toBuffer({ resolveWithObject: true });
    const untagged = await heifEnc([await sharp(p3Numbers.data, { raw: p3Numbers.info }).png().toBuffer()]);
    expect((await sharp(input).metadata()).icc).toBeDefined();
    // Act
    const converted = (await photoCorners((await processor.thumbnails(input)).preview.data)).marker;
    const asIs = (await photoCorners((await processor.thumbnails(untagged)).preview.data)).marker;
    // Assess: the marker's red comes back as in sRGB; read as sRGB, the P3 numbers are duller.
    expect(Math.abs(converted.r - PHOTO.marker.r)).toBeLessThan(12);
    expect(PHOTO.marker.r - asIs.r).toBeGreaterThan(12);
  });

  it("refuses a HEIC over the pixel limit as too_many_pixels, in inspect() and thumbnails()", async () => {
    // Prepare
    const limited = new SharpImageProcessor({ ...DEFAULT_SHARP_OPTIONS, maxInputPixels: 640 * 480 - 1 });
    const input = fixture("landscape.heic").data;
    // Act
    const inspected = await rejection(limited.inspect(input));
    const rendered = await rejection(limited.thumbnails(input));
    // Assess
    expect(inspected.code).toBe("too_many_pixels");
    expect(rendered.code).toBe("too_many_pixels");
  });

  it("refuses a truncated HEIC as corrupt_image", async () => {
    // Prepare
    const whole = fixture("grid-irot.heic").data;
    // Act
    const error = await rejection(processor.thumbnails(whole.subarray(0, Math.floor(whole.length / 2))));
    // Assess
    expect(error.code).toBe("corrupt_image");
    expect(error.message).toBe("The image could not be decoded");
  });

  it("refuses a HEIF whose codec it cannot decode as unsupported_format", async () => {
    // Act
    const error = await rejection(processor.thumbnails(await jpegInHeif()));
    // Assess
    expect(error.code).toBe("unsupported_format");
  });

  it("reads a grid with more than 256 items (libvips' own limit), as a phone's 100 MP photo has", async () => {
    // Prepare: 17×16 tiles of 64 px, 273 items.
    const upright = await photo(1088, 1024).png().toBuffer();
    const tiles = await Promise.all(
      Array.from({ length: 16 * 17 }, (_, i) =>
        sharp(upright)
          .extract({ left: (i % 17) * 64, top: Math.floor(i / 17) * 64, width: 64, height: 64 })
          .png()
          .toBuffer(),
      ),
    );
    const input = rewrite(await heifEnc(tiles), (m) => makeGrid(m, 17, 16, 1088, 1024));
    await expect(sharp(input).metadata()).rejects.toThrow(/security limit/i);
    // Act
    const info = await processor.inspect(input);
    const out = await processor.thumbnails(input);
    // Assess
    expect([info.width, info.height]).toEqual([1088, 1024]);
    expect([out.preview.width, out.preview.height]).toEqual([1024, 964]);
    await expectUpright(out.preview.data);
  }, 60_000);

  it("decodes a HEVC HEIF whose brands do not say HEVC, once libvips finds it has no decoder", async () => {
    // Prepare: brands mif1/miaf only (no `heic`).
    const input = Buffer.from(fixture("landscape.heic").data);
    const ftypEnd = input.readUInt32BE(0);
    for (let at = 8; at + 4 <= ftypEnd; at += 4) {
      if (input.toString("latin1", at, at + 4) === "heic") input.write("mif1", at, "latin1");
    }
    // Act
    const out = await processor.thumbnails(input);
    // Assess
    expect([out.preview.width, out.preview.height]).toEqual([640, 480]);
    await expectUpright(out.preview.data);
  });

  it("still decodes AVIF (AV1 in HEIF) with libvips", async () => {
    // Prepare
    const input = await photo(200, 100).avif({ effort: 0 }).toBuffer();
    // Act
    const info = await processor.inspect(input);
    const out = await processor.thumbnails(input);
    // Assess
    expect(info).toMatchObject({ format: "heif", width: 200, height: 100 });
    await expectUpright(out.preview.data);
  });
});
