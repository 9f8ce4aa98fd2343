/** Photo-like test images, made in the run (nothing committed): gradients, shapes and sensor-like noise. */
import sharp from "sharp";
import { phoneHeic } from "../test/heic-files.js";

function photoPixels(width: number, height: number, seed: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (state * 1664525 + 1013904223) >>> 0;
      const noise = (state >>> 24) / 16 - 8;
      const i = (y * width + x) * 3;
      const sky = y < height * 0.45;
      const sun = (x - width * 0.7) ** 2 + (y - height * 0.25) ** 2 < (height * 0.08) ** 2;
      const r = sun ? 250 : sky ? 90 + (y / height) * 120 : 60 + Math.sin(x / 37) * 30 + (y / height) * 60;
      const g = sun ? 230 : sky ? 140 + (y / height) * 80 : 110 + Math.cos(y / 23) * 25;
      const b = sun ? 160 : sky ? 220 - (y / height) * 40 : 50 + Math.sin((x + y) / 51) * 20;
      pixels[i] = Math.max(0, Math.min(255, r + noise));
      pixels[i + 1] = Math.max(0, Math.min(255, g + noise));
      pixels[i + 2] = Math.max(0, Math.min(255, b + noise));
    }
  }
  return pixels;
}

export async function photoJpeg(width: number, height: number, seed = 1, quality = 90): Promise<Buffer> {
  return sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } })
    .jpeg({ quality, mozjpeg: false })
    .withExif({ IFD0: { Make: "PicstackBench", Orientation: "1" } })
    .toBuffer();
}

export async function photoPng(width: number, height: number, seed = 2): Promise<Buffer> {
  return sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/**
 * The photo as an iPhone stores a portrait shot: landscape HEVC tiles of 512 px in a grid, turned by
 * `irot` (with EXIF repeating it). heif-enc (Debian's libheif-examples) encodes it.
 */
export async function photoHeic(width: number, height: number, seed = 3, quality = 50): Promise<Buffer> {
  return phoneHeic(width, height, {
    tile: 512,
    transforms: [{ irot: 3 }],
    exifOrientation: 6,
    quality,
    picture: sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } }),
  });
}
