/**
 * Load: a burst of uploads (1,000 by default, PICSTACK_RELIABILITY_LOAD to change) from 20 concurrent
 * clients, each a different user. Every image must reach a final state, each claimed exactly once, with
 * the dead-letter queue empty. Reports throughput and upload → ready latency.
 */
import type { Context } from "./context.js";
import { assert, percentile, type Report } from "./harness.js";
import { photo } from "./hostile-files.js";
import { claimsOf, deadLetters, type Uploaded, upload, waitForFinal } from "./pipeline.js";

const CATEGORY = "Load";
const CLIENTS = 20;

export async function load(ctx: Context, report: Report): Promise<void> {
  const total = Number(process.env.PICSTACK_RELIABILITY_LOAD ?? 1000);
  const perClient = Math.ceil(total / CLIENTS);
  const images = await Promise.all(Array.from({ length: 4 }, (_, i) => photo(400 + i * 16, 300)));
  const run = Date.now();
  const uploaded: Uploaded[] = [];
  const failures: string[] = [];
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      const token = await ctx.token(`load-${run}-${client}`);
      for (let i = 0; i < perClient && client * perClient + i < total; i++) {
        try {
          uploaded.push(
            await upload(ctx, token, `load-${client}-${i}.jpg`, images[i % images.length] as Buffer),
          );
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    }),
  );
  const uploadSeconds = (Date.now() - started) / 1000;

  await report.check(CATEGORY, `${total} uploads from ${CLIENTS} clients are all accepted`, async () => {
    assert(failures.length === 0, `${failures.length} failed, e.g. ${failures[0]}`);
    return `${uploaded.length} created and uploaded in ${uploadSeconds.toFixed(0)} s`;
  });

  const finals = await waitForFinal(ctx, uploaded, 20 * 60_000);
  const finishedAt = Math.max(...[...finals.values()].map((f) => f.at));

  await report.check(CATEGORY, "every image reaches a final state", async () => {
    const missing = uploaded.length - finals.size;
    assert(missing === 0, `${missing} images are not final after 20 minutes`);
    const states = new Map<string, number>();
    for (const f of finals.values()) states.set(f.image.status, (states.get(f.image.status) ?? 0) + 1);
    assert(
      (states.get("ready") ?? 0) === uploaded.length,
      `states: ${JSON.stringify(Object.fromEntries(states))}`,
    );
    return `${finals.size}/${uploaded.length} ready, analysed`;
  });

  await report.check(CATEGORY, "each image was processed exactly once", async () => {
    const claims = await claimsOf(
      ctx,
      uploaded.map((u) => u.id),
    );
    const other = [...claims.values()].filter((c) => c !== 1);
    assert(other.length === 0, `${other.length} images were claimed ${[...new Set(other)].join("/")} times`);
    return `${claims.size} images, one claim each`;
  });

  await report.check(CATEGORY, "the dead-letter queue is empty", async () => {
    const count = await deadLetters(ctx);
    assert(count === 0, `${count} messages`);
    return "0 messages";
  });

  const latencies = uploaded.flatMap((u) => {
    const f = finals.get(u.id);
    return f ? [f.at - u.uploadedAt] : [];
  });
  const seconds = (finishedAt - started) / 1000;
  report.figure(CATEGORY, {
    uploads: uploaded.length,
    "concurrent clients": CLIENTS,
    "upload phase (create + PUT)": `${uploadSeconds.toFixed(1)} s`,
    "first upload → last image ready": `${seconds.toFixed(1)} s`,
    "throughput (images ready per second)": (finals.size / seconds).toFixed(1),
    "upload → ready p50": `${(percentile(latencies, 50) / 1000).toFixed(1)} s`,
    "upload → ready p95": `${(percentile(latencies, 95) / 1000).toFixed(1)} s`,
    "429s waited out (per-user rate limit)": ctx.rateLimited(),
  });
}
