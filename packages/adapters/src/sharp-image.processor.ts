/**
 * ImageProcessor on sharp (libvips). Thumbnails come from one decode: the image is resized once to the
 * preview size and the thumb is made from those pixels, which keeps shrink-on-load for JPEG.
 *
 * HEVC-coded HEIF (iPhone photos) is decoded by libheif in WebAssembly (heif-decoder.ts), since prebuilt
 * libvips has no HEVC decoder; its pixels then take the same path. In a HEIF the transforms (`irot`,
 * `imir`) orient the image and EXIF orientation, which iPhones write to repeat them, is ignored; only a
 * file without transforms is oriented by its EXIF (as tools that convert a turned JPEG leave it).
 */
import { crc32, deflateSync } from "node:zlib";
import {
  type ImageInfo,
  type ImageProcessor,
  ImageRejectedError,
  type RenderedThumbnail,
} from "@picstack/core";
import exifReader from "exif-reader";
import sharp, { type Metadata, type OutputInfo, type Sharp } from "sharp";
import phash from "sharp-phash";
import { HeifDecoder, isHevcHeif } from "./heif-decoder.js";

export interface SharpProcessorOptions {
  /** Decompression-bomb guard: images with more pixels are refused. */
  maxInputPixels: number;
  thumbSize: number;
  previewSize: number;
  webpQuality: number;
  webpEffort: number;
}

export const DEFAULT_SHARP_OPTIONS: SharpProcessorOptions = {
  maxInputPixels: 100_000_000,
  thumbSize: 256,
  previewSize: 1024,
  webpQuality: 80,
  webpEffort: 2,
};

/** Process-wide libvips settings; see `configureSharp`. */
export interface SharpRuntimeSettings {
  /** libvips operation cache; `false` keeps no decoded pixels between images. */
  cache?: false | { memory: number; files: number; items: number };
  /** libvips worker threads per image. */
  concurrency?: number;
}

/** Applies process-wide libvips settings (call once at cold start). */
export function configureSharp(settings: SharpRuntimeSettings): void {
  if (settings.cache !== undefined) sharp.cache(settings.cache);
  if (settings.concurrency !== undefined) sharp.concurrency(settings.concurrency);
}

function rejection(error: unknown): ImageRejectedError {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return new ImageRejectedError("too_many_pixels", "The image has more pixels than allowed");
  }
  if (/unsupported image format/i.test(message)) {
    return new ImageRejectedError("unsupported_format", "The file is not an image in a supported format");
  }
  if (CODEC_NOT_BUILT_IN.test(message)) {
    // A HEIF whose codec libvips lacks (and that is not HEVC, which heif-decoder.ts decodes).
    return new ImageRejectedError(
      "unsupported_format",
      "The HEIF image is coded in a format that cannot be decoded",
    );
  }
  return new ImageRejectedError("corrupt_image", "The image could not be decoded");
}

/** Camera and capture time from EXIF. Unreadable or hostile EXIF is ignored, never fatal. */
export function exifSummary(exif: Buffer | undefined): { camera?: string; takenAt?: string } {
  if (!exif || exif.byteLength > 256 * 1024) return {};
  try {
    const tags = exifReader(exif);
    const clean = (v: unknown) => (typeof v === "string" ? v.replace(/\0/g, "").trim().slice(0, 100) : "");
    const make = clean(tags.Image?.Make);
    const model = clean(tags.Image?.Model);
    // Models often repeat the make ("Canon" + "Canon EOS R5").
    const camera = model.toLowerCase().startsWith(make.toLowerCase()) ? model : `${make} ${model}`.trim();
    const taken = tags.Photo?.DateTimeOriginal;
    const takenAt = taken instanceof Date && !Number.isNaN(taken.getTime()) ? taken.toISOString() : undefined;
    return { ...(camera ? { camera } : {}), ...(takenAt ? { takenAt } : {}) };
  } catch {
    return {};
  }
}

/** EXIF orientation 1–8, or 1 when there is none or it cannot be read. */
export function exifOrientation(exif: Buffer | undefined): number {
  if (!exif || exif.byteLength > 256 * 1024) return 1;
  try {
    const value = exifReader(exif).Image?.Orientation;
    return typeof value === "number" && value >= 1 && value <= 8 ? value : 1;
  } catch {
    return 1;
  }
}

/** An orientation as sharp applies it here: turn clockwise, then mirror left to right. */
interface Orientation {
  rotate: 0 | 90 | 180 | 270;
  flop: boolean;
}

const EXIF_ORIENTATIONS: Record<number, Orientation> = {
  1: { rotate: 0, flop: false },
  2: { rotate: 0, flop: true },
  3: { rotate: 180, flop: false },
  4: { rotate: 180, flop: true },
  5: { rotate: 90, flop: true },
  6: { rotate: 90, flop: false },
  7: { rotate: 270, flop: true },
  8: { rotate: 270, flop: false },
};

/** libvips' error for a HEIF whose codec it lacks (HEVC without a brand that says so, JPEG, ...). */
const CODEC_NOT_BUILT_IN = /compression format has not been built in/i;

/** sharp-phash's 64 characters of `0` and `1` as 16 lower-case hex characters (the record's `phash`). */
export function phashHex(bits: string): string {
  if (!/^[01]{64}$/.test(bits)) throw new Error("A perceptual hash must be 64 bits");
  let hex = "";
  for (let at = 0; at < 64; at += 4) hex += Number.parseInt(bits.slice(at, at + 4), 2).toString(16);
  return hex;
}

/** A PNG of raw pixels with an ICC profile attached (not applied), for sharp to convert to sRGB. */
async function withProfile(data: Buffer, info: OutputInfo, icc: Buffer): Promise<Buffer> {
  const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const body = Buffer.concat([Buffer.from("picstack\0\0", "latin1"), deflateSync(icc)]);
  const chunk = Buffer.alloc(body.length + 12);
  chunk.writeUInt32BE(body.length, 0);
  chunk.write("iCCP", 4, "latin1");
  body.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + body.length)), 8 + body.length);
  // iCCP goes before the image data: right after the signature (8 bytes) and IHDR (25 bytes).
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}

export class SharpImageProcessor implements ImageProcessor {
  private readonly heif: HeifDecoder;

  constructor(private readonly options: SharpProcessorOptions = DEFAULT_SHARP_OPTIONS) {
    this.heif = new HeifDecoder({ maxPixels: options.maxInputPixels });
  }

  private open(bytes: Uint8Array) {
    // failOn "error": truncated or corrupt data is an error, not a grey half-image.
    return sharp(bytes, { limitInputPixels: this.options.maxInputPixels, failOn: "error", pages: 1 });
  }

  async inspect(bytes: Uint8Array): Promise<ImageInfo> {
    if (isHevcHeif(bytes)) return this.inspectHeif(bytes);
    let meta: Metadata;
    try {
      meta = await this.open(bytes).metadata();
    } catch (error) {
      throw rejection(error);
    }
    if (!meta.format || !meta.width || !meta.height) {
      throw new ImageRejectedError("corrupt_image", "The image has no readable dimensions");
    }
    if (meta.width * meta.height > this.options.maxInputPixels) {
      throw new ImageRejectedError("too_many_pixels", `The image is ${meta.width}×${meta.height} pixels`);
    }
    // EXIF orientations 5–8 swap width and height.
    const swapped = (meta.orientation ?? 1) >= 5;
    return {
      format: meta.format,
      width: swapped ? meta.height : meta.width,
      height: swapped ? meta.width : meta.height,
      hasAlpha: meta.hasAlpha ?? false,
      // A HEIF's images are a collection (the primary is the photo), not the frames of an animation.
      pages: meta.format === "heif" ? 1 : (meta.pages ?? 1),
      ...exifSummary(meta.exif),
    };
  }

  /**
   * A HEVC HEIF's header, read by libheif with the decoder's own limits: libvips' reader refuses files
   * with more than 256 items, which a phone's 100 MP grid (tiles, alpha tiles, metadata) can have.
   */
  private async inspectHeif(bytes: Uint8Array): Promise<ImageInfo> {
    const header = await this.heif.header(bytes);
    const orientation = header.oriented ? 1 : exifOrientation(header.exif);
    const swapped = orientation >= 5;
    return {
      format: "heif",
      width: swapped ? header.height : header.width,
      height: swapped ? header.width : header.height,
      hasAlpha: header.hasAlpha,
      pages: 1,
      ...exifSummary(header.exif),
    };
  }

  /**
   * The image sent to a vision model: the preview scaled to fit `size` (default 512). Patch-billed models
   * charge by pixels, and 512 px keeps what tagging needs at a quarter of the preview's tokens (see the
   * docs/benchmarks.md).
   */
  async analysisRendition(preview: Uint8Array, size = 512): Promise<Uint8Array> {
    return sharp(preview, { limitInputPixels: this.options.maxInputPixels })
      .resize(size, size, { fit: "inside", withoutEnlargement: true })
      .webp({ quality: this.options.webpQuality, effort: this.options.webpEffort })
      .toBuffer();
  }

  /** The preview's pixels: one decode, oriented, in sRGB, resized to the preview box. */
  private async previewPixels(bytes: Uint8Array): Promise<{ data: Buffer; info: OutputInfo }> {
    if (isHevcHeif(bytes)) return this.heifPreviewPixels(bytes);
    try {
      return await this.open(bytes)
        .rotate()
        .resize(...this.previewBox())
        .toColourspace("srgb")
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (error) {
      // A HEIF whose brands do not say HEVC but whose image is: libheif may still decode it.
      if (error instanceof Error && CODEC_NOT_BUILT_IN.test(error.message))
        return this.heifPreviewPixels(bytes);
      throw error;
    }
  }

  private previewBox() {
    const { previewSize } = this.options;
    return [previewSize, previewSize, { fit: "inside", withoutEnlargement: true }] as const;
  }

  /** HEVC HEIF: libheif's pixels through the same resize, oriented once, the ICC profile applied. */
  private async heifPreviewPixels(bytes: Uint8Array): Promise<{ data: Buffer; info: OutputInfo }> {
    const heif = await this.heif.decode(bytes);
    const { exif, icc } = heif.header;
    const orientation: Orientation = heif.oriented
      ? heif
      : (EXIF_ORIENTATIONS[exifOrientation(exif)] ?? { rotate: 0, flop: false });
    const raw = { width: heif.width, height: heif.height, channels: heif.channels };
    // Resize first, turn after: the box is square, so the size is the same either way, and turning the
    // small image spares libvips a second full-size copy (a 100 MP grid is 400 MB as RGBA).
    let small: { data: Buffer; info: OutputInfo };
    try {
      small = await sharp(heif.data, { raw, limitInputPixels: this.options.maxInputPixels })
        .resize(...this.previewBox())
        .raw()
        .toBuffer({ resolveWithObject: true });
    } finally {
      // Now, not at the next garbage collection: the next image of a batch must not meet these pixels
      // (400 MB for a 100 MP grid with alpha).
      heif.release();
    }
    const rawOf = (s: { info: OutputInfo }) => ({
      raw: { width: s.info.width, height: s.info.height, channels: s.info.channels },
    });
    if (orientation.rotate) {
      small = await sharp(small.data, rawOf(small))
        .rotate(orientation.rotate)
        .raw()
        .toBuffer({ resolveWithObject: true });
    }
    // With the file's ICC profile attached, sharp converts to sRGB (iPhones shoot in Display P3).
    let last = icc ? sharp(await withProfile(small.data, small.info, icc)) : sharp(small.data, rawOf(small));
    // The mirror after the turn, as a step of its own (sharp's own order of the two is not the file's).
    if (orientation.flop) last = last.flop();
    return last.toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
  }

  async thumbnails(
    bytes: Uint8Array,
  ): Promise<{ thumb: RenderedThumbnail; preview: RenderedThumbnail; phash: string }> {
    const { thumbSize, webpQuality, webpEffort } = this.options;
    try {
      const { data, info } = await this.previewPixels(bytes);
      const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
      const encode = (pipeline: Sharp) =>
        pipeline.webp({ quality: webpQuality, effort: webpEffort }).toBuffer({ resolveWithObject: true });
      // The perceptual hash from the preview's pixels, already decoded, oriented and in sRGB (HEIC's
      // too): it shrinks them to 32×32 grey, so the original is never decoded a second time.
      const [preview, thumb, bits] = await Promise.all([
        encode(sharp(data, raw)),
        encode(sharp(data, raw).resize(thumbSize, thumbSize, { fit: "inside", withoutEnlargement: true })),
        phash(data, raw),
      ]);
      // No withMetadata(): sharp writes no EXIF, ICC or XMP unless asked, so GPS and the rest are gone.
      return {
        preview: { data: preview.data, width: preview.info.width, height: preview.info.height },
        thumb: { data: thumb.data, width: thumb.info.width, height: thumb.info.height },
        phash: phashHex(bits),
      };
    } catch (error) {
      if (error instanceof ImageRejectedError) throw error;
      throw rejection(error);
    }
  }
}
