/**
 * The image step: production (SharpImageProcessor.thumbnails, both sizes, production settings) vs a bare
 * sharp pipeline making the same two WebP outputs from one decode vs the naive way (full decode to raw
 * pixels, then two independent resizes). Same inputs, one process, one image at a time.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_SHARP_OPTIONS, HeifDecoder, SharpImageProcessor } from "@picstack/adapters/sharp";
import { worker } from "@picstack/infrastructure";
import { repoRoot } from "@picstack/local";
import sharp from "sharp";
import { photoHeic, photoJpeg, photoPng } from "./inputs.js";
import { round } from "./stats.js";

const { previewSize, thumbSize, webpQuality, webpEffort } = DEFAULT_SHARP_OPTIONS;
const webp = { quality: webpQuality, effort: webpEffort };
const box = (size: number) => ({
  width: size,
  height: size,
  fit: "inside" as const,
  withoutEnlargement: true,
});

/** What a hand-written pipeline does at best: one shrink-on-load decode to the preview box. */
async function bare(input: Buffer): Promise<void> {
  const { data, info } = await sharp(input)
    .rotate()
    .resize(box(previewSize))
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  await Promise.all([
    sharp(data, raw).webp(webp).toBuffer(),
    sharp(data, raw).resize(box(thumbSize)).webp(webp).toBuffer(),
  ]);
}

/** The obvious pipeline: decode everything first, then resize the full-size pixels twice. */
async function naive(input: Buffer): Promise<void> {
  const { data, info } = await sharp(input).rotate().raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  await Promise.all([
    sharp(data, raw).resize(box(previewSize)).webp(webp).toBuffer(),
    sharp(data, raw).resize(box(thumbSize)).webp(webp).toBuffer(),
  ]);
}

interface Tally {
  runs: number;
  ms: number;
}

/**
 * Runs the variants in alternating rounds rather than one after another, so a noisy neighbour or a
 * clock change on a shared machine hits all of them alike.
 */
async function race(
  variants: Record<string, () => Promise<unknown>>,
  totalSeconds: number,
  rounds: number,
): Promise<Record<string, { perSecond: number; msEach: number; runs: number }>> {
  const tallies: Record<string, Tally> = {};
  for (const [name, run] of Object.entries(variants)) {
    for (let i = 0; i < 3; i++) await run(); // warm-up: libvips caches, JIT, first allocations
    tallies[name] = { runs: 0, ms: 0 };
  }
  const slice = (totalSeconds * 1000) / rounds / Object.keys(variants).length;
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(variants)) {
      const tally = tallies[name] as Tally;
      const started = performance.now();
      let elapsed = 0;
      do {
        await run();
        tally.runs++;
        elapsed = performance.now() - started;
      } while (elapsed < slice);
      tally.ms += elapsed;
    }
  }
  return Object.fromEntries(
    Object.entries(tallies).map(([name, t]) => [
      name,
      { perSecond: round((t.runs * 1000) / t.ms, 2), msEach: round(t.ms / t.runs, 1), runs: t.runs },
    ]),
  );
}

export interface InputDetail {
  width: number;
  height: number;
  bytes: number;
  perSecond: number;
  bareSharpPerSecond: number;
  naivePerSecond: number;
  msEach: number;
  bareMsEach: number;
  naiveMsEach: number;
  runs: number;
  previewBytes: number;
  thumbBytes: number;
  previewSize: string;
  thumbSize: string;
}

export interface ThumbnailResult {
  perSecond: number;
  bareSharpPerSecond: number;
  naivePerSecond: number;
  vsBare: number;
  vsNaive: number;
  targets: { vsBare: number; vsNaive: number };
  inputs: Record<string, InputDetail>;
  settings: typeof DEFAULT_SHARP_OPTIONS;
  /** The rest of the worker's CPU work on a 12 MP photo, for the cost model. */
  inspectMs: number;
  /** The 512 px rendition sent to an AI provider, made from the preview. */
  analysisRendition: { width: number; height: number; bytes: number; ms: number };
  /** WebP effort against time and size, 12 MP JPEG, production pipeline. */
  effort: { effort: number; msEach: number; previewBytes: number; thumbBytes: number }[];
  /** A 12 MP HEIC as iPhones write it, decoded by libheif in WebAssembly. */
  heic: HeicResult;
}

export interface HeicResult {
  input: string;
  width: number;
  height: number;
  bytes: number;
  /** The first HEIC of a process: loading libheif's module, compiling and instantiating it, the header. */
  firstInspectMs: number;
  inspectMs: number;
  /** libheif alone: tiles to RGB pixels. */
  decodeMs: number;
  /** The whole image step: decode, resize, both WebP thumbnails. */
  thumbnailsMs: number;
  /** Peak RSS of a fresh Node process running the worker's steps on it once (test/memory/probe.ts). */
  peakRssMiB: number;
}

export const JPEG_12MP = "12 MP JPEG (4000×3000, q90)";
const HEIC_12MP = "12 MP HEIC (3024×4032 as an iPhone stores it: 48 tiles of 512 px, irot)";

const run = promisify(execFile);

/** Decode time and peak memory of a 12 MP HEIC, the phone's default format. */
export async function heic(quick: boolean, log: (m: string) => void): Promise<HeicResult> {
  log("12 MP HEIC: encoding it with heif-enc");
  const width = 3024;
  const height = 4032;
  const data = await photoHeic(width, height);
  const processor = new SharpImageProcessor(DEFAULT_SHARP_OPTIONS);
  const decoder = new HeifDecoder({ maxPixels: worker.maxInputPixels });
  log("12 MP HEIC: first file, inspect, decode, thumbnails");
  const started = performance.now();
  await processor.inspect(data);
  const firstInspectMs = performance.now() - started;
  const inspectMs = await timeEach(() => processor.inspect(data), quick ? 5 : 20);
  const decodeMs = await timeEach(() => decoder.decode(data), quick ? 2 : 8);
  const thumbnailsMs = await timeEach(() => processor.thumbnails(data), quick ? 2 : 8);
  const dir = await mkdtemp(join(tmpdir(), "picstack-bench-heic-"));
  try {
    const path = join(dir, "photo.heic");
    await writeFile(path, data);
    const { stdout } = await run(
      join(repoRoot, "node_modules/.bin/node"),
      ["--import", "tsx", join(repoRoot, "test/memory/probe.ts"), "serial", path],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          PROBE_SHARP: JSON.stringify({ cache: worker.sharpCache, concurrency: worker.sharpConcurrency }),
        },
      },
    );
    const probe = JSON.parse(stdout.trim()) as { maxRssMiB: number; errors: string[] };
    if (probe.errors.length) throw new Error(`the HEIC probe failed: ${probe.errors.join("; ")}`);
    return {
      input: HEIC_12MP,
      width,
      height,
      bytes: data.length,
      firstInspectMs: round(firstInspectMs, 1),
      inspectMs: round(inspectMs, 2),
      decodeMs: round(decodeMs, 1),
      thumbnailsMs: round(thumbnailsMs, 1),
      peakRssMiB: probe.maxRssMiB,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
const PNG_6MP = "6 MP PNG (3000×2000)";

async function timeEach(run: () => Promise<unknown>, times: number): Promise<number> {
  await run();
  const started = performance.now();
  for (let i = 0; i < times; i++) await run();
  return (performance.now() - started) / times;
}

export async function thumbnails(quick: boolean, log: (m: string) => void): Promise<ThumbnailResult> {
  // First, so the first HEIC's cost (loading libheif) is measured in a process that has not loaded it.
  const heicResult = await heic(quick, log);
  log("generating inputs");
  const inputs: Record<string, { data: Buffer; width: number; height: number }> = {
    [JPEG_12MP]: { data: await photoJpeg(4000, 3000), width: 4000, height: 3000 },
    [PNG_6MP]: { data: await photoPng(3000, 2000), width: 3000, height: 2000 },
  };
  const processor = new SharpImageProcessor(DEFAULT_SHARP_OPTIONS);
  const detail: Record<string, InputDetail> = {};
  for (const [name, input] of Object.entries(inputs)) {
    log(`${name}: production vs bare vs naive`);
    const rates = await race(
      {
        production: () => processor.thumbnails(input.data),
        bare: () => bare(input.data),
        naive: () => naive(input.data),
      },
      quick ? 9 : 45,
      quick ? 3 : 9,
    );
    const out = await processor.thumbnails(input.data);
    const production = rates.production as { perSecond: number; msEach: number; runs: number };
    detail[name] = {
      width: input.width,
      height: input.height,
      bytes: input.data.length,
      perSecond: production.perSecond,
      bareSharpPerSecond: rates.bare?.perSecond ?? Number.NaN,
      naivePerSecond: rates.naive?.perSecond ?? Number.NaN,
      msEach: production.msEach,
      bareMsEach: rates.bare?.msEach ?? Number.NaN,
      naiveMsEach: rates.naive?.msEach ?? Number.NaN,
      runs: production.runs,
      previewBytes: out.preview.data.length,
      thumbBytes: out.thumb.data.length,
      previewSize: `${out.preview.width}×${out.preview.height}`,
      thumbSize: `${out.thumb.width}×${out.thumb.height}`,
    };
  }
  // Headline: one of each input per cycle (the harmonic mean of the rates).
  const combined = (key: "perSecond" | "bareSharpPerSecond" | "naivePerSecond") => {
    const rates = Object.values(detail).map((d) => d[key]);
    return round(rates.length / rates.reduce((sum, r) => sum + 1 / r, 0), 2);
  };

  const jpeg = (inputs[JPEG_12MP] as { data: Buffer }).data;
  log("inspect, analysis rendition, WebP effort");
  const inspectMs = await timeEach(() => processor.inspect(jpeg), quick ? 10 : 40);
  const { preview } = await processor.thumbnails(jpeg);
  const rendition = await processor.analysisRendition(preview.data);
  const renditionMeta = await sharp(rendition).metadata();
  const renditionMs = await timeEach(() => processor.analysisRendition(preview.data), quick ? 10 : 40);

  const effort: ThumbnailResult["effort"] = [];
  for (const e of [0, 2, 4, 6]) {
    const p = new SharpImageProcessor({ ...DEFAULT_SHARP_OPTIONS, webpEffort: e });
    const out = await p.thumbnails(jpeg);
    effort.push({
      effort: e,
      msEach: round(await timeEach(() => p.thumbnails(jpeg), quick ? 3 : 12), 1),
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
    targets: { vsBare: 0.9, vsNaive: 2 },
    inputs: detail,
    settings: DEFAULT_SHARP_OPTIONS,
    inspectMs: round(inspectMs, 2),
    analysisRendition: {
      width: renditionMeta.width ?? 0,
      height: renditionMeta.height ?? 0,
      bytes: rendition.length,
      ms: round(renditionMs, 1),
    },
    effort,
    heic: heicResult,
  };
}
