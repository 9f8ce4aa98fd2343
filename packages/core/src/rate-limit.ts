/**
 * Per-user token buckets, one per route class. The bucket state lives behind a port so the arithmetic
 * is tested here and the store (DynamoDB, conditional writes) is swapped in by the adapters.
 */
import { DomainError } from "./errors.js";

/** Each route takes from its class's bucket (`rateLimit(class)`, packages/functions/src/http/middleware). */
export type RouteClass = "read" | "write" | "analyze";

export interface BucketPolicy {
  /** Tokens a full bucket holds: the largest burst. */
  capacity: number;
  /** Tokens added per second: the sustained rate. */
  refillPerSecond: number;
}

export const DEFAULT_RATE_LIMITS: Record<RouteClass, BucketPolicy> = {
  read: { capacity: 120, refillPerSecond: 5 },
  write: { capacity: 30, refillPerSecond: 1 },
  // Every analyze call queues a paid AI call. Re-analysis is a recovery step (after a provider failure),
  // so a user needs a burst to retry a handful of failed images at once, not a sustained rate: 10 at
  // once, then one every 864 s (100 a day), so at most ~110 paid calls per user per day instead of the
  // ~86,000 the write bucket would allow.
  analyze: { capacity: 10, refillPerSecond: 100 / 86_400 },
};

export interface BucketState {
  tokens: number;
  /** Epoch milliseconds of the last refill. */
  at: number;
  /** The store's write counter; compare-and-set checks it (two writes may share a millisecond). */
  version?: number;
}

export interface RateLimitStore {
  get(key: string): Promise<BucketState | undefined>;
  /** Writes `next` only if the stored state is still `previous` (or absent when `previous` is undefined). */
  compareAndSet(key: string, previous: BucketState | undefined, next: BucketState): Promise<boolean>;
}

/** Enough for a burst of parallel requests from one client to all get their turn. */
const MAX_ATTEMPTS = 25;

export class RateLimitedError extends DomainError {
  readonly code = "rate_limited";
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many requests; retry in ${retryAfterSeconds} s`);
  }
}

/** The bucket after refilling up to `now`, and whether a token can be taken. */
export function refill(state: BucketState | undefined, policy: BucketPolicy, now: number): BucketState {
  if (!state) return { tokens: policy.capacity, at: now };
  const elapsed = Math.max(0, now - state.at) / 1000;
  return { tokens: Math.min(policy.capacity, state.tokens + elapsed * policy.refillPerSecond), at: now };
}

/** Takes one token or throws `RateLimitedError` with the seconds until one is available. */
export async function takeToken(
  store: RateLimitStore,
  userId: string,
  routeClass: RouteClass,
  policy: BucketPolicy,
  now: () => number = Date.now,
): Promise<void> {
  const key = `${userId}#${routeClass}`;
  // A lost race means another request of the same user took a token at the same moment: read again,
  // after a short jittered pause so a burst of parallel requests spreads out instead of colliding again.
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const previous = await store.get(key);
    const current = refill(previous, policy, now());
    if (current.tokens < 1) {
      throw new RateLimitedError(Math.max(1, Math.ceil((1 - current.tokens) / policy.refillPerSecond)));
    }
    if (await store.compareAndSet(key, previous, { tokens: current.tokens - 1, at: current.at })) return;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * Math.min(attempt + 1, 5)));
  }
  // Sustained contention on one user's bucket beyond that is itself a burst: ask the client to slow down.
  throw new RateLimitedError(1);
}
