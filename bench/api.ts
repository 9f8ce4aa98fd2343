/**
 * API latency through API Gateway on the local stack: GET /images and GET /images/{id} at concurrency 1
 * and 16, next to a no-op Lambda behind a REST API of its own on the same emulator's gateway and stage
 * name (bench/noop-stack.ts), so the ratio shows our own overhead (auth, rate limit, DynamoDB,
 * presigning) apart from the gateway's and the emulator's.
 */
import { type Outputs, signDevToken } from "@picstack/local";
import { PicstackClient } from "@picstack/sdk";
import { deployNoop } from "./noop-stack.js";
import { percentile, round } from "./stats.js";

export interface ApiRow {
  route: string;
  concurrency: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  bareP50Ms: number;
  bareP99Ms: number;
  /** Ours over the no-op's, at p50. */
  ratioP50: number;
  /** Ours minus the no-op's, at p50: roughly our handler's own time. */
  overheadP50Ms: number;
}

export interface ApiResult {
  /** The top-level figures are GET /images at concurrency 1. */
  p50Ms: number;
  p99Ms: number;
  bareP50Ms: number;
  bareP99Ms: number;
  ratioP50: number;
  rows: ApiRow[];
}

async function measure(
  concurrency: number,
  requests: number,
  target: (i: number) => { url: string; headers?: Record<string, string> },
): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const { url, headers } = target(next++);
        const started = performance.now();
        const response = await fetch(url, headers ? { headers } : {});
        await response.arrayBuffer();
        const ms = performance.now() - started;
        if (response.status !== 200) throw new Error(`GET ${url}: HTTP ${response.status}`);
        times.push(ms);
      }
    }),
  );
  return times;
}

export async function apiLatency(
  outputs: Outputs,
  home: string,
  options: { requests: number; warmup: number; log: (m: string) => void },
): Promise<ApiResult> {
  options.log("deploying the no-op stack");
  const noop = await deployNoop(outputs.endpoint, home, outputs.stage);
  // Sixteen readers with ten images each: concurrent requests come from different users, as in real
  // traffic, and no user goes over the production read limit (120 burst, 5/s), which would answer 429.
  const readers = await Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      const token = await signDevToken(`bench-api-${Date.now()}-${i}`, { home });
      const client = new PicstackClient({ baseUrl: outputs.apiUrl, token });
      let id = "";
      for (let k = 0; k < 10; k++) {
        const created = await client.createImage({
          filename: `a${k}.jpg`,
          contentType: "image/jpeg",
          size: 1000,
        });
        id = created.image.id;
      }
      return { headers: { Authorization: `Bearer ${token}` }, id };
    }),
  );
  const routes = [
    { route: "GET /images", path: () => "/images?limit=20" },
    { route: "GET /images/{id}", path: (id: string) => `/images/${id}` },
  ];
  const rows: ApiRow[] = [];
  for (const { route, path } of routes) {
    for (const concurrency of [1, 16]) {
      options.log(`${route} at concurrency ${concurrency}`);
      const ours = (count: number) =>
        measure(concurrency, count, (i) => {
          const reader = readers[i % readers.length] as (typeof readers)[number];
          return { url: `${outputs.apiUrl}${path(reader.id)}`, headers: reader.headers };
        });
      const bare = (count: number) => measure(concurrency, count, () => ({ url: noop }));
      await ours(options.warmup);
      await bare(options.warmup);
      const a = await ours(options.requests);
      const b = await bare(options.requests);
      rows.push({
        route,
        concurrency,
        requests: options.requests,
        p50Ms: round(percentile(a, 50)),
        p99Ms: round(percentile(a, 99)),
        bareP50Ms: round(percentile(b, 50)),
        bareP99Ms: round(percentile(b, 99)),
        ratioP50: round(percentile(a, 50) / percentile(b, 50), 2),
        overheadP50Ms: round(percentile(a, 50) - percentile(b, 50)),
      });
    }
  }
  const headline = rows[0] as ApiRow;
  return {
    p50Ms: headline.p50Ms,
    p99Ms: headline.p99Ms,
    bareP50Ms: headline.bareP50Ms,
    bareP99Ms: headline.bareP99Ms,
    ratioP50: headline.ratioP50,
    rows,
  };
}
