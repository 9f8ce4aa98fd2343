/**
 * The offline, deterministic analysis provider: tags computed from the pixels and the header, no
 * network. Used when no AI provider is configured, and as the baseline in tests and benchmarks.
 */
import type { AnalysisOutput, AnalysisProvider, ImageFeatures } from "@picstack/core";
import sharp from "sharp";

/** A small named palette; the dominant colour is named after the nearest entry. */
const PALETTE: ReadonlyArray<[string, [number, number, number]]> = [
  ["black", [0, 0, 0]],
  ["white", [255, 255, 255]],
  ["grey", [128, 128, 128]],
  ["red", [200, 30, 30]],
  ["orange", [240, 140, 20]],
  ["yellow", [240, 220, 40]],
  ["green", [40, 160, 60]],
  ["teal", [20, 140, 140]],
  ["blue", [40, 90, 200]],
  ["purple", [130, 50, 170]],
  ["pink", [240, 130, 180]],
  ["brown", [120, 75, 40]],
];

export function colourName(r: number, g: number, b: number): string {
  let best = PALETTE[0] as (typeof PALETTE)[number];
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const entry of PALETTE) {
    const [pr, pg, pb] = entry[1];
    const distance = (r - pr) ** 2 + (g - pg) ** 2 + (b - pb) ** 2;
    if (distance < bestDistance) {
      best = entry;
      bestDistance = distance;
    }
  }
  return best[0];
}

export class BasicAnalysisProvider implements AnalysisProvider {
  readonly name = "basic";
  readonly model = "basic-1";

  async analyze(preview: Uint8Array, features: ImageFeatures): Promise<AnalysisOutput> {
    const stats = await sharp(preview).stats();
    const { r, g, b } = stats.dominant;
    const colour = colourName(r, g, b);
    const ratio = features.width / features.height;
    const orientation = ratio > 1.05 ? "landscape" : ratio < 0.95 ? "portrait" : "square";
    const tags = [orientation, colour];
    // Screens are sharp-edged with few distinct tones: low entropy at common screen aspect ratios.
    const screenshotLike = features.format === "png" && stats.entropy < 4 && !features.hasAlpha;
    if (screenshotLike) tags.push("screenshot");
    if (features.hasAlpha && !stats.isOpaque) tags.push("transparent");
    if (features.pages > 1) tags.push("animated");
    if (features.camera) tags.push("photo");
    const description = `A ${orientation} ${features.format.toUpperCase()} image, mostly ${colour}${
      features.pages > 1 ? `, animated (${features.pages} frames)` : ""
    }${screenshotLike ? ", that looks like a screenshot" : ""}.`;
    return { tags, description };
  }
}
