/**
 * ImageProcessor on sharp (libvips). Thumbnails come from one decode: the image is resized once to the
 * preview size and the thumb is made from those pixels, which keeps shrink-on-load for JPEG.
 */
import {
  type ImageInfo,
  type ImageProcessor,
  ImageRejectedError,
  type RenderedThumbnail,
} from "@picstack/core";
import exifReader from "exif-reader";
import sharp, { type Metadata, type Sharp } from "sharp";

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

export class SharpImageProcessor implements ImageProcessor {
  constructor(private readonly options: SharpProcessorOptions = DEFAULT_SHARP_OPTIONS) {}

  private open(bytes: Uint8Array) {
    // failOn "error": truncated or corrupt data is an error, not a grey half-image.
    return sharp(bytes, { limitInputPixels: this.options.maxInputPixels, failOn: "error", pages: 1 });
  }

  async inspect(bytes: Uint8Array): Promise<ImageInfo> {
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
      pages: meta.pages ?? 1,
      ...exifSummary(meta.exif),
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

  async thumbnails(bytes: Uint8Array): Promise<{ thumb: RenderedThumbnail; preview: RenderedThumbnail }> {
    const { previewSize, thumbSize, webpQuality, webpEffort } = this.options;
    try {
      // One decode: auto-orient, convert to sRGB, resize to the preview box, keep raw pixels.
      const { data, info } = await this.open(bytes)
        .rotate()
        .resize(previewSize, previewSize, { fit: "inside", withoutEnlargement: true })
        .toColourspace("srgb")
        .raw()
        .toBuffer({ resolveWithObject: true });
      const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
      const encode = (pipeline: Sharp) =>
        pipeline.webp({ quality: webpQuality, effort: webpEffort }).toBuffer({ resolveWithObject: true });
      const [preview, thumb] = await Promise.all([
        encode(sharp(data, raw)),
        encode(sharp(data, raw).resize(thumbSize, thumbSize, { fit: "inside", withoutEnlargement: true })),
      ]);
      // No withMetadata(): sharp writes no EXIF, ICC or XMP unless asked, so GPS and the rest are gone.
      return {
        preview: { data: preview.data, width: preview.info.width, height: preview.info.height },
        thumb: { data: thumb.data, width: thumb.info.width, height: thumb.info.height },
      };
    } catch (error) {
      throw rejection(error);
    }
  }
}
