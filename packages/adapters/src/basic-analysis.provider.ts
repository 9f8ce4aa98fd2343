/**
 * The offline, deterministic analysis provider: tags computed from the pixels and the header, no
 * network. Used when no AI provider is configured, and as the baseline in tests and benchmarks.
 *
 * Colours are named as a person would name them: each pixel of a small rendition is converted to
 * OKLCH (a perceptual space: lightness, chroma, hue; culori does the conversion) and named there. A
 * pixel is black, white or grey only when it is really unsaturated (or too dark to show a hue); any
 * other is named after the nearest of a few prototypes per colour in OKLab, where distance follows
 * what the eye sees. When a coloured subject exists, an unsaturated background (the white, grey or
 * black that covers most of the image's border) is not counted. The image's colours are those
 * covering enough of the counted pixels (`MIN_SHARE` for a hue; more for white, grey and black, which
 * a person names only when they fill much of a colourful picture), largest first, at most three; the
 * largest is always one.
 */
import type { AnalysisOutput, AnalysisProvider, ImageFeatures } from "@picstack/core";
import { modeLrgb, modeOklab, modeOklch, modeRgb, type Oklab, parse, useMode } from "culori/fn";
import sharp from "sharp";

useMode(modeRgb);
useMode(modeLrgb);
const toOklab = useMode(modeOklab);
const toOklch = useMode(modeOklch);

export type ColourName =
  | "black"
  | "white"
  | "grey"
  | "red"
  | "orange"
  | "yellow"
  | "green"
  | "teal"
  | "blue"
  | "purple"
  | "pink"
  | "brown";

const ACHROMATIC = new Set<ColourName>(["black", "white", "grey"]);

/** Below this OKLCH chroma a pixel has no colour a person would name (greys, whites, blacks). */
const MAX_GREY_CHROMA = 0.035;
/** Below this OKLCH lightness a pixel looks black whatever its hue. */
const BLACK_LIGHTNESS = 0.2;
/** An unsaturated pixel at least this light is white; one at most `DARK_GREY` dark is black. */
const WHITE_LIGHTNESS = 0.88;
const DARK_GREY = 0.32;
/** A hue is one of the image's colours when it covers at least this share of the counted pixels… */
export const MIN_SHARE = 0.15;
/** …and white, grey or black when it covers this much (in an image with no hue, it is the largest). */
export const MIN_NEUTRAL_SHARE = 0.25;
const MAX_COLOURS = 3;
/** The border band whose tone tells a background: this share of the width/height on each side. */
const BORDER = 0.08;
/** The unsaturated tone covering the most of the border band, if at least this share, is the background. */
const BACKGROUND_BORDER_SHARE = 0.4;
/** There is a coloured subject when at least this share of all pixels has a hue. */
const SUBJECT_SHARE = 0.1;

/**
 * A few prototypes per name, so a name covers its light, dark and muted shades (navy and sky are both
 * blue; tan and chocolate both brown). Chosen by eye, many of them CSS named colours, and checked on
 * the photos in samples/ (see the tests).
 */
const PROTOTYPES: ReadonlyArray<[ColourName, string[]]> = [
  ["red", ["#e02020", "#b01818", "#8b0000", "#c83c3c"]],
  ["orange", ["#ff8c00", "#f07820", "#e0601a", "#ffa050"]],
  ["yellow", ["#ffd700", "#f0e040", "#e8c830", "#fff08c", "#c8b43c"]],
  ["brown", ["#8b4513", "#a0522d", "#6b4226", "#5c3a21", "#b48264", "#c8a078", "#7a5c46"]],
  ["green", ["#228b22", "#40a040", "#6b8e23", "#2e5e2e", "#90c060", "#8caa78", "#506446"]],
  ["teal", ["#008080", "#20b2aa", "#2f6f6f", "#66cdaa"]],
  ["blue", ["#1e5ac8", "#4682b4", "#87ceeb", "#000080", "#1a2a5a", "#6495ed", "#5a7896"]],
  ["purple", ["#800080", "#8a2be2", "#9370db", "#4b2a6b", "#a07cb4"]],
  ["pink", ["#ff69b4", "#ffc0cb", "#e090b0", "#d8507c", "#f4a0a0"]],
];

const PROTOTYPE_LAB: ReadonlyArray<[ColourName, Oklab]> = PROTOTYPES.flatMap(([name, hexes]) =>
  hexes.map(
    (hex) => [name, toOklab(parse(hex) as NonNullable<ReturnType<typeof parse>>)] as [ColourName, Oklab],
  ),
);

/** The name of one sRGB colour (0–255 a channel). */
export function colourName(r: number, g: number, b: number): ColourName {
  const lch = toOklch({ mode: "rgb", r: r / 255, g: g / 255, b: b / 255 });
  const l = lch.l;
  if (l < BLACK_LIGHTNESS) return "black";
  if (lch.c < MAX_GREY_CHROMA) return l >= WHITE_LIGHTNESS ? "white" : l <= DARK_GREY ? "black" : "grey";
  const lab = toOklab(lch);
  let best: ColourName = "grey";
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const [name, p] of PROTOTYPE_LAB) {
    const distance = (lab.l - p.l) ** 2 + (lab.a - p.a) ** 2 + (lab.b - p.b) ** 2;
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

export interface ColourShare {
  name: ColourName;
  /** Of the counted pixels (a background left out). */
  share: number;
}

/**
 * The image's colours from its pixels (`channels` 3 or 4 per pixel, row by row; with 4, pixels less
 * than half opaque are skipped): see the module header.
 */
export function dominantColours(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 3 | 4,
): ColourShare[] {
  const counts = new Map<ColourName, number>();
  const border = new Map<ColourName, number>();
  let borderTotal = 0;
  let total = 0;
  const bx = Math.max(1, Math.round(width * BORDER));
  const by = Math.max(1, Math.round(height * BORDER));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      if (channels === 4 && (pixels[i + 3] ?? 0) < 128) continue;
      const name = colourName(pixels[i] ?? 0, pixels[i + 1] ?? 0, pixels[i + 2] ?? 0);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      total++;
      if (x < bx || x >= width - bx || y < by || y >= height - by) {
        border.set(name, (border.get(name) ?? 0) + 1);
        borderTotal++;
      }
    }
  }
  if (total === 0) return [];
  let coloured = 0;
  for (const [name, n] of counts) if (!ACHROMATIC.has(name)) coloured += n;
  if (coloured / total >= SUBJECT_SHARE) {
    const [tone, n] = [...border].filter(([name]) => ACHROMATIC.has(name)).sort((a, b) => b[1] - a[1])[0] ?? [
      "grey",
      0,
    ];
    if (n / borderTotal >= BACKGROUND_BORDER_SHARE) counts.delete(tone);
  }
  const counted = [...counts.values()].reduce((a, b) => a + b, 0);
  const shares = [...counts]
    .map(([name, n]) => ({ name, share: n / counted }))
    .sort((a, b) => b.share - a.share || a.name.localeCompare(b.name));
  return shares
    .filter((s, i) => i === 0 || s.share >= (ACHROMATIC.has(s.name) ? MIN_NEUTRAL_SHARE : MIN_SHARE))
    .slice(0, MAX_COLOURS);
}

/** The side of the square the colours are measured on: enough for areas, cheap to name pixel by pixel. */
const SAMPLE_SIZE = 96;

/**
 * A screenshot: a PNG without a camera and without transparent pixels (an alpha channel alone is
 * fine: some systems save screenshots as RGBA), of a screen's or window's size and shape (at least
 * 800×600 either way round, between 5:4 and 21:9), with few distinct tones (entropy below 4 bits).
 * Icons, logos, coats of arms and other small or square graphics are not screenshots.
 */
export function looksLikeScreenshot(
  features: ImageFeatures,
  pixels: { entropy: number; opaque: boolean },
): boolean {
  const long = Math.max(features.width, features.height);
  const short = Math.min(features.width, features.height);
  const ratio = long / short;
  return (
    features.format === "png" &&
    pixels.opaque &&
    !features.camera &&
    long >= 800 &&
    short >= 600 &&
    ratio >= 1.25 &&
    ratio <= 21 / 9 &&
    pixels.entropy < 4
  );
}

function listed(names: string[]): string {
  return names.length <= 1
    ? (names[0] ?? "")
    : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

export class BasicAnalysisProvider implements AnalysisProvider {
  readonly name = "basic";
  readonly model = "basic-2";

  async analyze(preview: Uint8Array, features: ImageFeatures): Promise<AnalysisOutput> {
    const image = sharp(preview);
    const [stats, sample] = await Promise.all([
      image.clone().stats(),
      image
        .clone()
        .resize(SAMPLE_SIZE, SAMPLE_SIZE, { fit: "inside" })
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true }),
    ]);
    const colours = dominantColours(sample.data, sample.info.width, sample.info.height, 4).map((c) => c.name);
    const ratio = features.width / features.height;
    const orientation = ratio > 1.05 ? "landscape" : ratio < 0.95 ? "portrait" : "square";
    const tags = [orientation, ...colours];
    const screenshot = looksLikeScreenshot(features, { entropy: stats.entropy, opaque: stats.isOpaque });
    if (screenshot) tags.push("screenshot");
    if (features.hasAlpha && !stats.isOpaque) tags.push("transparent");
    if (features.pages > 1) tags.push("animated");
    if (features.camera) tags.push("photo");
    const description = `A ${orientation} ${features.format.toUpperCase()} image${
      colours.length ? `, mostly ${listed(colours)}` : ""
    }${features.pages > 1 ? `, animated (${features.pages} frames)` : ""}${
      screenshot ? ", that looks like a screenshot" : ""
    }.`;
    return { tags, description };
  }
}
