/**
 * The image step: production (SharpImageProcessor.thumbnails) vs a bare sharp pipeline making the same
 * two WebP outputs from one decode vs the naive way (full decode, then two independent resizes). Same
 * inputs, same process, one after another.
 */
import { DEFAULT_SHARP_OPTIONS, SharpImageProcessor } from "@picstack/adapters/sharp";
import sharp from "sharp";
import { photoJpeg, photoPng } from "./inputs.js";
import { round } from "./stats.js";

const { previewSize, thumbSize, webpQuality, webpEffort } = DEFAULT_SHARP_OPTIONS;
const webp = { quality: webpQuality, effort: webpEffort };
const box = (size: number) => ({
  width: size,
  height: size,
  fit: "inside" as const,
  withoutEnlargement: true,
});

async function bare(input: Buffer): Promise<void> {
  const { data, info } = await sharp(input)
    .rotate()
    .resize(box(previewSize))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  await Promise.all([
    sharp(data, raw).webp(webp).toBuffer(),
    sharp(data, raw).resize(box(thumbSize)).webp(webp).toBuffer(),
  ]);
}

async function naive(input: Buffer): Promise<void> {
  const { data, info } = await sharp(input).rotate().raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  await Promise.all([
    sharp(data, raw).resize(box(previewSize)).webp(webp).toBuffer(),
    sharp(data, raw).resize(box(thumbSize)).webp(webp).toBuffer(),
  ]);
}

async function rate(
  run: () => Promise<unknown>,
  seconds: number,
): Promise<{ perSecond: number; msEach: number }> {
  for (let i = 0; i < 2; i++) await run(); // warm-up
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000 || n < 3) {
    await run();
    n++;
  }
  const ms = performance.now() - started;
  return { perSecond: round((n * 1000) / ms, 2), msEach: round(ms / n, 1) };
}

export interface ThumbnailResult {
  perSecond: number;
  bareSharpPerSecond: number;
  naivePerSecond: number;
  vsBare: number;
  vsNaive: number;
  inputs: Record<
    string,
    { bytes: number; perSecond: number; bareSharpPerSecond: number; naivePerSecond: number; msEach: number }
  >;
  settings: typeof DEFAULT_SHARP_OPTIONS;
  /** WebP effort/size trade-off on the 12 MP input: ms per image and output bytes of both sizes. */
  effort: { effort: number; msEach: number; previewBytes: number; thumbBytes: number }[];
}

export async function thumbnails(quick: boolean): Promise<ThumbnailResult> {
  const seconds = quick ? 3 : 12;
  const inputs = {
    "12 MP JPEG (4000×3000)": await photoJpeg(4000, 3000),
    "6 MP PNG (3000×2000)": await photoPng(3000, 2000),
  };
  const processor = new SharpImageProcessor(DEFAULT_SHARP_OPTIONS);
  const detail: ThumbnailResult["inputs"] = {};
  for (const [name, input] of Object.entries(inputs)) {
    const production = await rate(() => processor.thumbnails(input), seconds);
    const bareRate = await rate(() => bare(input), seconds);
    const naiveRate = await rate(() => naive(input), seconds);
    detail[name] = {
      bytes: input.length,
      perSecond: production.perSecond,
      bareSharpPerSecond: bareRate.perSecond,
      naivePerSecond: naiveRate.perSecond,
      msEach: production.msEach,
    };
  }
  // The headline figures: both inputs together (the harmonic mean of rates, i.e. one of each per cycle).
  const combined = (key: "perSecond" | "bareSharpPerSecond" | "naivePerSecond") => {
    const rates = Object.values(detail).map((d) => d[key]);
    return round(rates.length / rates.reduce((sum, r) => sum + 1 / r, 0), 2);
  };
  const effort: ThumbnailResult["effort"] = [];
  const jpeg = inputs["12 MP JPEG (4000×3000)"];
  for (const e of [0, 2, 4]) {
    const p = new SharpImageProcessor({ ...DEFAULT_SHARP_OPTIONS, webpEffort: e });
    const out = await p.thumbnails(jpeg);
    const r = await rate(() => p.thumbnails(jpeg), quick ? 2 : 6);
    effort.push({
      effort: e,
      msEach: r.msEach,
      previewBytes: out.preview.data.length,
      thumbBytes: out.thumb.data.length,
    });
  }
  const perSecond = combined("perSecond");
  const bareSharpPerSecond = combined("bareSharpPerSecond");
  const naivePerSecond = combined("naivePerSecond");
  return {
    perSecond,
    bareSharpPerSecond,
    naivePerSecond,
    vsBare: round(perSecond / bareSharpPerSecond, 2),
    vsNaive: round(perSecond / naivePerSecond, 2),
    inputs: detail,
    settings: DEFAULT_SHARP_OPTIONS,
    effort,
  };
}
