/**
 * Per-user token buckets, one per route class. The bucket state lives behind a port so the arithmetic
 * is tested here and the store (DynamoDB, conditional writes) is swapped in by the adapters.
 */
import { DomainError } from "./errors.js";

export type RouteClass = "read" | "write";

export interface BucketPolicy {
  /** Tokens a full bucket holds: the largest burst. */
  capacity: number;
  /** Tokens added per second: the sustained rate. */
  refillPerSecond: number;
}

export const DEFAULT_RATE_LIMITS: Record<RouteClass, BucketPolicy> = {
  read: { capacity: 120, refillPerSecond: 5 },
  write: { capacity: 30, refillPerSecond: 1 },
};

export interface BucketState {
  tokens: number;
  /** Epoch milliseconds of the last refill. */
  at: number;
}

export interface RateLimitStore {
  get(key: string): Promise<BucketState | undefined>;
  /** Writes `next` only if the stored state is still `previous` (or absent when `previous` is undefined). */
  compareAndSet(key: string, previous: BucketState | undefined, next: BucketState): Promise<boolean>;
}

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
  // A lost race means another request of the same user took a token at the same moment: read again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const previous = await store.get(key);
    const current = refill(previous, policy, now());
    if (current.tokens < 1) {
      throw new RateLimitedError(Math.max(1, Math.ceil((1 - current.tokens) / policy.refillPerSecond)));
    }
    if (await store.compareAndSet(key, previous, { tokens: current.tokens - 1, at: current.at })) return;
  }
  // Sustained contention on one user's bucket is itself a burst: ask the client to slow down.
  throw new RateLimitedError(1);
}
