import sharp from "sharp";
import type { Context } from "./context.js";
import type { Report } from "./harness.js";

export async function photo(): Promise<Buffer> {
  return sharp({ create: { width: 800, height: 600, channels: 3, background: "#3a7bd5" } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

export async function hostileFiles(_ctx: Context, _report: Report): Promise<void> {}
