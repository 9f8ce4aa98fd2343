/**
 * Worker memory: the worst legal batch (five 100 MP files of the kinds that decode whole, each within
 * the upload limit, and the worst HEIC: a 100 MP grid with alpha, 4 bytes a pixel once decoded)
 * uploaded at once, for each kind. Every image must reach a final state, and the
 * worker's peak RSS, which it logs at the end of each invocation, must stay under the declared share
 * of processUpload's memory.
 */
import { open, stat } from "node:fs/promises";
import { ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from "@aws-sdk/client-lambda";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { functions, worker } from "@picstack/infrastructure";
import { repoRoot } from "@picstack/local";
import { readWorst, worstFiles } from "../memory/worst-files.js";
import type { Context } from "./context.js";
import { assert, type Report, sleep } from "./harness.js";
import { upload, waitAllReady } from "./pipeline.js";

const CATEGORY = "Worker memory";
const BATCHES = ["GIF", "progressive JPEG", "interlaced PNG", "HEIC (grid, alpha)"];

/** The `worker memory` lines processUpload logged after `offset` in the emulator's log. */
async function memoryLines(
  logFile: string,
  offset: number,
): Promise<Array<{ maxRssMiB: number; records: number }>> {
  const size = (await stat(logFile)).size;
  const handle = await open(logFile, "r");
  try {
    const buffer = Buffer.alloc(size - offset);
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer
      .toString("utf8")
      .split("\n")
      .filter((line) => line.includes('"worker memory"'))
      .map((line) => {
        const rss = /"maxRssMiB":(\d+)/.exec(line)?.[1];
        const records = /"records":(\d+)/.exec(line)?.[1];
        return { maxRssMiB: Number(rss), records: Number(records) };
      })
      .filter((l) => Number.isFinite(l.maxRssMiB));
  } finally {
    await handle.close();
  }
}

/**
 * Holds the queue's deliveries while `work` runs, so what it enqueues reaches the worker as one batch
 * (uploads finish at different times, and an idle mapping would deliver each on its own).
 */
async function asOneBatch(ctx: Context, count: number, work: () => Promise<void>): Promise<void> {
  const mappings = await ctx.lambda.send(
    new ListEventSourceMappingsCommand({ FunctionName: ctx.outputs.functions.processUpload }),
  );
  const uuid = mappings.EventSourceMappings?.[0]?.UUID;
  assert(uuid, "no event source mapping");
  await ctx.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
  try {
    await work();
    for (let i = 0; i < 60; i++) {
      const attributes = await ctx.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: ctx.outputs.queue,
          AttributeNames: ["ApproximateNumberOfMessages"],
        }),
      );
      if (Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) >= count) break;
      await sleep(500);
    }
  } finally {
    await ctx.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
  }
}

export async function memory(ctx: Context, report: Report): Promise<void> {
  const logFile = ctx.logFile;
  const limit = functions.processUpload.memorySize * worker.maxMemoryShare;
  const files = await worstFiles(repoRoot);
  const offset = logFile ? (await stat(logFile)).size : 0;
  for (const kind of BATCHES) {
    const file = files.find((f) => f.name === kind);
    assert(file, `no worst file ${kind}`);
    await report.check(
      CATEGORY,
      `5 × 100 MP ${kind} (${(file.bytes / 1048576).toFixed(1)} MiB each) in one batch: all final`,
      async () => {
        const data = await readWorst(file);
        const token = await ctx.token(`memory-${Date.now()}`);
        let images: Awaited<ReturnType<typeof upload>>[] = [];
        await asOneBatch(ctx, 5, async () => {
          images = await Promise.all(
            Array.from({ length: 5 }, (_, i) => upload(ctx, token, `worst-${i}`, data, file.contentType)),
          );
        });
        const finals = await waitAllReady(ctx, images, 240_000);
        const slowest = Math.max(...images.map((i) => (finals.get(i.id)?.at ?? 0) - i.uploadedAt));
        return `5/5 ready, the last ${(slowest / 1000).toFixed(1)} s after its upload`;
      },
    );
  }
  await report.check(
    CATEGORY,
    `worker peak RSS under ${worker.maxMemoryShare * 100}% of ${functions.processUpload.memorySize} MB`,
    async () => {
      assert(logFile, "no emulator log to read the worker's figures from");
      const lines = await memoryLines(logFile, offset);
      assert(lines.length > 0, "the worker logged no memory figures");
      const peak = Math.max(...lines.map((l) => l.maxRssMiB));
      const biggest = Math.max(...lines.map((l) => l.records));
      assert(biggest === 5, `no invocation had the whole batch (at most ${biggest} records)`);
      assert(peak < limit, `peak RSS ${peak} MiB ≥ ${limit} MiB`);
      return `peak RSS ${peak} MiB (${Math.round((peak / functions.processUpload.memorySize) * 100)}% of ${functions.processUpload.memorySize} MB) over ${lines.length} invocations, up to ${biggest} records each`;
    },
  );
}
