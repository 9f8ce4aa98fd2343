/**
 * Child process of the memory measurement: runs the real SharpImageProcessor on a batch of files the way
 * the processUpload handler does (read the original, inspect, thumbnails, analysis rendition), then
 * prints its peak RSS as JSON. Run with Node 22 (`node_modules/.bin/node --import tsx`).
 *
 *   probe.ts <parallel|serial> <file>...
 */
import { readFile } from "node:fs/promises";
import { configureSharp, DEFAULT_SHARP_OPTIONS, SharpImageProcessor } from "@picstack/adapters/sharp";

const [mode, ...files] = process.argv.slice(2);
const settings = JSON.parse(process.env.PROBE_SHARP ?? "{}");
configureSharp(settings);
const processor = new SharpImageProcessor({ ...DEFAULT_SHARP_OPTIONS, ...settings.processor });
const started = Date.now();
const one = async (path: string) => {
  const bytes = new Uint8Array(await readFile(path));
  await processor.inspect(bytes);
  const { preview } = await processor.thumbnails(bytes);
  await processor.analysisRendition(preview.data);
};
const errors: string[] = [];
const run = (path: string) => one(path).catch((e: Error) => void errors.push(e.message));
if (mode === "parallel") await Promise.all(files.map(run));
else for (const f of files) await run(f);
process.stdout.write(
  `${JSON.stringify({ maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), ms: Date.now() - started, errors })}\n`,
);
