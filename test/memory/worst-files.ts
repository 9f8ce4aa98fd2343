/**
 * The worst legal files for the worker's memory: as many pixels as the pixel limit allows, within the
 * upload size limit, in the encodings libvips cannot shrink on load or stream (progressive JPEG keeps
 * every DCT coefficient of the image, interlaced PNG decodes whole), and WebP, TIFF and GIF for
 * comparison; and the worst HEIC: a phone-style grid of 512 px HEVC tiles with an alpha grid, turned
 * by `irot` (libheif decodes it in WebAssembly, tile by tile, into 4 bytes a pixel). Made once (with
 * sharp, and heif-enc for the HEIC: a few minutes) and cached under `.picstack/worst-files-<side>/`.
 */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_MAX_UPLOAD_BYTES } from "@picstack/core";
import sharp, { type Sharp } from "sharp";
import { phoneHeic } from "../heic-files.js";

export interface WorstFile {
  name: string;
  contentType: string;
  path: string;
  bytes: number;
}

/** A busy but compressible picture: stripes and blocks, so each format stays under the upload limit. */
function picture(side: number) {
  const tile = 500;
  const pattern = Buffer.alloc(tile * tile * 3);
  for (let y = 0; y < tile; y++)
    for (let x = 0; x < tile; x++) {
      const i = (y * tile + x) * 3;
      pattern[i] = (x >> 4) * 16;
      pattern[i + 1] = (y >> 4) * 16;
      pattern[i + 2] = x < y ? 200 : 40;
    }
  return sharp({ create: { width: side, height: side, channels: 3, background: "#808080" } }).composite([
    { input: pattern, raw: { width: tile, height: tile, channels: 3 }, tile: true },
  ]);
}

const FORMATS: ReadonlyArray<{
  name: string;
  contentType: string;
  ext: string;
  encode?: (s: Sharp) => Sharp;
  /** For formats sharp cannot write: the file from the raw picture. */
  make?: (raw: Buffer, side: number) => Promise<Buffer>;
}> = [
  {
    name: "progressive JPEG",
    contentType: "image/jpeg",
    ext: "jpg",
    encode: (s) => s.jpeg({ quality: 60, progressive: true }),
  },
  {
    name: "interlaced PNG",
    contentType: "image/png",
    ext: "png",
    encode: (s) => s.png({ progressive: true, compressionLevel: 9 }),
  },
  { name: "WebP", contentType: "image/webp", ext: "webp", encode: (s) => s.webp({ quality: 50, effort: 0 }) },
  {
    name: "TIFF (deflate)",
    contentType: "image/tiff",
    ext: "tiff",
    encode: (s) => s.tiff({ compression: "deflate" }),
  },
  {
    name: "GIF",
    contentType: "image/gif",
    ext: "gif",
    encode: (s) => s.gif({ effort: 1, dither: 0, colours: 16 }),
  },
  {
    name: "HEIC (grid, alpha)",
    contentType: "image/heic",
    ext: "heic",
    make: (raw, side) =>
      phoneHeic(side, side, {
        tile: 512,
        transforms: [{ irot: 3 }],
        exifOrientation: 6,
        quality: 40,
        // Translucent everywhere: the alpha grid is decoded with every tile.
        picture: sharp(raw, { raw: { width: side, height: side, channels: 3 } }).joinChannel(
          Buffer.alloc(side * side, 220),
          { raw: { width: side, height: side, channels: 1 } },
        ),
      }),
  },
];

export async function worstFiles(
  root: string,
  side = 10_000,
  maxBytes = DEFAULT_MAX_UPLOAD_BYTES,
): Promise<WorstFile[]> {
  const dir = join(root, `.picstack/worst-files-${side}`);
  await mkdir(dir, { recursive: true });
  const out: WorstFile[] = [];
  for (const format of FORMATS) {
    const path = join(dir, `worst.${format.ext}`);
    const exists = await stat(path).then(
      (s) => s.size > 0,
      () => false,
    );
    if (!exists) {
      const flat = await picture(side).raw().toBuffer();
      const data = format.make
        ? await format.make(flat, side)
        : await (format.encode ?? ((s: Sharp) => s))(
            sharp(flat, { raw: { width: side, height: side, channels: 3 } }),
          ).toBuffer();
      await writeFile(path, data);
    }
    const bytes = (await stat(path)).size;
    if (bytes > maxBytes)
      throw new Error(`${format.name} at ${side}² is ${bytes} bytes, over the upload limit`);
    out.push({ name: format.name, contentType: format.contentType, path, bytes });
  }
  return out;
}

export async function readWorst(file: WorstFile): Promise<Buffer> {
  return readFile(file.path);
}
