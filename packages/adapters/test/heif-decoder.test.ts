/**
 * HeifDecoder on real HEVC HEIC files made with heif-enc (test/heic-files.ts): the header and its limits,
 * grids decoded tile by tile against libheif's own whole-image decode, and how broken files are refused.
 */
import { createRequire } from "node:module";
import { ImageRejectedError } from "@picstack/core";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addTransforms,
  type HeifTransform,
  heicFixtures,
  heifEnc,
  jpegInHeif,
  makeGrid,
  photo,
  rewrite,
} from "../../../test/heic-files.js";
import { HeifDecoder, type HeifPixels, orientationPlan } from "../src/heif-decoder.js";

const decoder = new HeifDecoder({ maxPixels: 100_000_000 });

/** libheif-js's own API, which decodes and transforms the whole image at once: the reference. */
interface Reference {
  heif_context_alloc(): unknown;
  heif_context_read_from_memory(ctx: unknown, data: Uint8Array): unknown;
  heif_js_context_get_primary_image_handle(ctx: unknown): unknown;
  heif_image_handle_get_width(handle: unknown): number;
  heif_image_handle_get_height(handle: unknown): number;
  heif_js_decode_image2(
    handle: unknown,
    colorspace: unknown,
    chroma: unknown,
  ): Promise<{ channels?: Array<{ data: Uint8Array; stride: number }> }>;
  heif_colorspace: { heif_colorspace_RGB: unknown };
  heif_chroma: { heif_chroma_interleaved_RGB: unknown };
}
const libheif = createRequire(import.meta.url)("libheif-js/wasm-bundle") as Reference;

async function referenceDecode(data: Buffer) {
  const ctx = libheif.heif_context_alloc();
  libheif.heif_context_read_from_memory(ctx, data);
  const handle = libheif.heif_js_context_get_primary_image_handle(ctx);
  const width = libheif.heif_image_handle_get_width(handle);
  const height = libheif.heif_image_handle_get_height(handle);
  const image = await libheif.heif_js_decode_image2(
    handle,
    libheif.heif_colorspace.heif_colorspace_RGB,
    libheif.heif_chroma.heif_chroma_interleaved_RGB,
  );
  const plane = image.channels?.[0];
  if (!plane) throw new Error("the reference decode failed");
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    out.set(plane.data.subarray(y * plane.stride, y * plane.stride + width * 3), y * width * 3);
  }
  return { data: out, width, height };
}

/** The decoder's pixels with its remaining turn and mirror applied, as the processor applies them. */
async function shown(pixels: HeifPixels) {
  const { data, width, height, channels } = pixels;
  const turned = await sharp(data, { raw: { width, height, channels } })
    .rotate(pixels.rotate)
    .raw()
    .toBuffer({ resolveWithObject: true });
  pixels.release();
  const mirrored = pixels.flop
    ? await sharp(turned.data, { raw: turned.info }).flop().raw().toBuffer({ resolveWithObject: true })
    : turned;
  return { data: mirrored.data, width: mirrored.info.width, height: mirrored.info.height };
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

/** Rewrites every `ispe` (image size) property: a header that disagrees with the coded picture. */
function withImageSize(file: Buffer, size: (w: number, h: number) => [number, number]): Buffer {
  return rewrite(file, (model) => {
    model.properties = model.properties.map((p) => {
      if (p.toString("latin1", 4, 8) !== "ispe") return p;
      const q = Buffer.from(p);
      const [w, h] = size(q.readUInt32BE(12), q.readUInt32BE(16));
      q.writeUInt32BE(w, 12);
      q.writeUInt32BE(h, 16);
      return q;
    });
  });
}

/** The file with the encoder's data (the first mdat box) zeroed: the header intact, the pictures gone. */
function withoutCodedData(file: Buffer): Buffer {
  const out = Buffer.from(file);
  for (let at = 0; at + 8 <= out.length; at += out.readUInt32BE(at)) {
    if (out.toString("latin1", at + 4, at + 8) === "mdat") {
      out.fill(0, at + 8, at + out.readUInt32BE(at));
      return out;
    }
  }
  throw new Error("no mdat box");
}

let fixtures: Awaited<ReturnType<typeof heicFixtures>>;
/** A 3×2 grid of 256 px tiles, each tile a different hue, cut to 700×450. */
let grid: Buffer;

beforeAll(async () => {
  fixtures = await heicFixtures();
  const tiles = await Promise.all(
    [0, 1, 2, 3, 4, 5].map((i) =>
      photo(256, 256)
        .modulate({ hue: i * 50 })
        .png()
        .toBuffer(),
    ),
  );
  grid = rewrite(await heifEnc(tiles), (m) => makeGrid(m, 3, 2, 700, 450));
}, 120_000);

const fixture = (name: string) => {
  const found = fixtures.find((f) => f.name === name);
  if (!found) throw new Error(`no fixture ${name}`);
  return found.data;
};

describe("header", () => {
  it("reads size, alpha, transforms and tiling without decoding", async () => {
    // Act
    const plain = await decoder.header(fixture("landscape.heic"));
    const turned = await decoder.header(fixture("portrait-irot-exif6.heic"));
    const tiled = await decoder.header(fixture("grid-irot.heic"));
    const alpha = await decoder.header(fixture("alpha.heic"));
    // Assess
    expect(plain).toMatchObject({ width: 640, height: 480, hasAlpha: false, oriented: false, tiles: 1 });
    // The size as shown: the stored 640×480 turned a quarter.
    expect(turned).toMatchObject({ width: 480, height: 640, oriented: true, tiles: 1 });
    expect(tiled).toMatchObject({ width: 700, height: 900, oriented: true, tiles: 12, tileWidth: 256 });
    expect(alpha.hasAlpha).toBe(true);
    // The EXIF from its TIFF header, as exif-reader takes it.
    expect(tiled.exif?.toString("latin1", 0, 2)).toMatch(/II|MM/);
    expect(tiled.exif?.toString("latin1")).toContain("iPhone 15 Pro");
    expect(plain.exif).toBeDefined();
    expect(alpha.exif).toBeUndefined();
  });

  it("refuses an image over the pixel limit from the header alone", async () => {
    // Prepare: the coded tiles are zeroed, so only the header is readable.
    const headerOnly = withoutCodedData(fixture("grid-irot.heic"));
    const limited = new HeifDecoder({ maxPixels: 700 * 900 - 1 });
    // Act
    const inHeader = await rejection(limited.header(headerOnly));
    const inDecode = await rejection(limited.decode(headerOnly));
    const unlimited = await rejection(decoder.decode(headerOnly));
    // Assess
    expect(inHeader.code).toBe("too_many_pixels");
    expect(inDecode.code).toBe("too_many_pixels");
    expect(unlimited.code).toBe("corrupt_image");
  });

  it("refuses one HEVC picture larger than HEVC allows, before decoding it", async () => {
    // Prepare: a header claiming a 6000×6000 single picture (36 MP; HEVC's limit is 35.65 MP).
    const claimed = withImageSize(fixture("landscape.heic"), () => [6000, 6000]);
    // Act
    const error = await rejection(decoder.decode(claimed));
    // Assess
    expect(error.code).toBe("too_many_pixels");
    expect(error.message).toContain("6000×6000");
  });

  it("refuses a grid with more tiles than allowed, before decoding it", async () => {
    // Act
    const error = await rejection(
      new HeifDecoder({ maxPixels: 1e8, maxTiles: 11 }).header(fixture("grid-irot.heic")),
    );
    // Assess
    expect(error.code).toBe("unsupported_format");
    expect(error.message).toBe("The image has 12 tiles; at most 11 are supported");
  });
});

describe("grids, tile by tile", () => {
  const crop = (
    left: number,
    top: number,
    width: number,
    height: number,
    imageWidth: number,
    imageHeight: number,
  ) => ({
    clap: { left, top, width, height, imageWidth, imageHeight },
  });
  const orders: HeifTransform[][] = [
    [],
    [{ irot: 1 }],
    [{ irot: 2 }],
    [{ irot: 3 }],
    [{ imir: 0 }],
    [{ imir: 1 }],
    [{ irot: 1 }, { imir: 0 }],
    [{ imir: 1 }, { irot: 3 }],
    [crop(10, 20, 500, 300, 700, 450)],
    [{ irot: 1 }, crop(30, 40, 300, 500, 450, 700)],
    [{ imir: 1 }, { irot: 3 }, crop(100, 0, 300, 600, 450, 700)],
    [crop(300, 100, 380, 300, 700, 450), { irot: 2 }, { imir: 0 }],
  ];

  it.each(orders.map((t) => [JSON.stringify(t), t] as const))(
    "match libheif's whole-image decode with transforms %s",
    async (_, transforms) => {
      // Prepare
      const file = rewrite(grid, (m) => addTransforms(m, m.primary, transforms));
      const reference = await referenceDecode(file);
      // Act
      const pixels = await decoder.decode(file);
      const result = await shown(pixels);
      // Assess
      expect(pixels.oriented).toBe(transforms.some((t) => !("clap" in t)));
      expect([result.width, result.height]).toEqual([reference.width, reference.height]);
      expect(result.data.equals(reference.data)).toBe(true);
    },
  );

  it("decodes only the tiles inside the crop into a buffer of the crop's size", async () => {
    // Prepare: keep the top-left 200×200, inside the first tile.
    const file = rewrite(grid, (m) => addTransforms(m, m.primary, [crop(0, 0, 200, 200, 700, 450)]));
    // Act
    const pixels = await decoder.decode(file);
    // Assess
    expect([pixels.width, pixels.height, pixels.data.length]).toEqual([200, 200, 200 * 200 * 3]);
    pixels.release();
  });

  it("lets other work run between rows of tiles", async () => {
    // Prepare
    let ticks = 0;
    const tick = () => {
      ticks++;
      if (ticks < 100) setImmediate(tick);
    };
    setImmediate(tick);
    // Act
    (await decoder.decode(grid)).release();
    // Assess
    expect(ticks).toBeGreaterThanOrEqual(2);
  });

  it("hands out a single picture packed row after row (libheif pads rows), valid until released", async () => {
    // Prepare: 200 px rows of RGB are 600 bytes, which libheif pads to 608.
    const file = await heifEnc([await photo(200, 120).png().toBuffer()]);
    const reference = await referenceDecode(file);
    // Act
    const pixels = await decoder.decode(file);
    const copy = Buffer.from(pixels.data);
    pixels.release();
    // Assess
    expect([pixels.width, pixels.height, pixels.rotate, pixels.flop]).toEqual([200, 120, 0, false]);
    expect(copy.equals(reference.data)).toBe(true);
  });

  it("plans turns, mirrors and crops as one crop, then a turn, then a mirror", () => {
    // Act
    const turned = orientationPlan([{ rotateCcw: 90 }], 40, 30);
    const mirroredThenTurned = orientationPlan([{ mirror: "left-right" }, { rotateCcw: 90 }], 40, 30);
    const cropAfterTurn = orientationPlan(
      [{ rotateCcw: 270 }, { crop: () => ({ left: 5, top: 0, right: 0, bottom: 10 }) }],
      40,
      30,
    );
    // Assess: 90° anti-clockwise is 270° clockwise; a mirror before a turn is a mirror after the opposite turn.
    expect(turned).toEqual({ crop: { left: 0, top: 0, width: 40, height: 30 }, turns: 3, flop: false });
    expect(mirroredThenTurned).toMatchObject({ turns: 1, flop: true });
    // Shown 30×40 after a clockwise quarter turn: the 5 columns dropped on the left were the bottom 5
    // stored rows, the 10 rows dropped at the bottom the 10 stored columns on the right.
    expect(cropAfterTurn.crop).toEqual({ left: 0, top: 0, width: 30, height: 25 });
  });
});

describe("broken and unsupported files", () => {
  it("refuses a truncated HEIC as corrupt_image", async () => {
    // Prepare
    const whole = fixture("landscape.heic");
    // Act
    const error = await rejection(decoder.decode(whole.subarray(0, Math.floor(whole.length / 2))));
    // Assess
    expect(error.code).toBe("corrupt_image");
    expect(error.message).toBe("The image could not be decoded");
  });

  it("refuses a file cut inside its header as corrupt_image", async () => {
    // Act
    const error = await rejection(decoder.header(fixture("landscape.heic").subarray(0, 300)));
    // Assess
    expect(error.code).toBe("corrupt_image");
  });

  it("refuses a HEIF whose codec it cannot decode (JPEG-coded) as unsupported_format", async () => {
    // Act
    const error = await rejection(decoder.decode(await jpegInHeif()));
    // Assess
    expect(error.code).toBe("unsupported_format");
  });

  it.each([
    ["larger", (w: number, h: number) => [w * 2, h * 2] as [number, number]],
    ["smaller", (w: number, h: number) => [w >> 1, h >> 1] as [number, number]],
  ])("refuses a picture whose header says it is %s than it is, as corrupt_image", async (_, size) => {
    // Prepare
    const lying = withImageSize(fixture("landscape.heic"), size);
    // Act
    const error = await rejection(decoder.decode(lying));
    // Assess
    expect(error.code).toBe("corrupt_image");
  });

  it("refuses a grid whose tiles are smaller than its cells, as corrupt_image", async () => {
    // Prepare: the grid's cells claim 300 px, the coded tiles are 256 px.
    const lying = withImageSize(grid, (w, h) => (w === 256 ? [300, 300] : [w, h]));
    // Act
    const error = await rejection(decoder.decode(lying));
    // Assess
    expect(error.code).toBe("corrupt_image");
  });
});
