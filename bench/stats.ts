/** Nearest-rank percentiles: with a few hundred samples, interpolation would only add false precision. */
export function percentile(values: ReadonlyArray<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

export const median = (values: ReadonlyArray<number>) => percentile(values, 50);

export const mean = (values: ReadonlyArray<number>) =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export interface Summary {
  n: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
}

export function summarize(samples: ReadonlyArray<number>, digits = 1): Summary {
  return {
    n: samples.length,
    p50Ms: round(percentile(samples, 50), digits),
    p95Ms: round(percentile(samples, 95), digits),
    p99Ms: round(percentile(samples, 99), digits),
    minMs: round(Math.min(...samples), digits),
    maxMs: round(Math.max(...samples), digits),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** xorshift32 from `seed`: the same numbers in [0, 1) on every run, for benchmark corpora. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}
