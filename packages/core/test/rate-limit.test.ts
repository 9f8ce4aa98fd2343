import { describe, expect, it } from "vitest";
import {
  type BucketState,
  DEFAULT_RATE_LIMITS,
  RateLimitedError,
  type RateLimitStore,
  refill,
  takeToken,
} from "../src/index.js";

class MemoryStore implements RateLimitStore {
  readonly states = new Map<string, BucketState>();
  /** Makes the next compare-and-set lose, as if another request wrote first. */
  races = 0;
  async get(key: string) {
    return this.states.get(key);
  }
  async compareAndSet(key: string, previous: BucketState | undefined, next: BucketState) {
    if (this.races > 0) {
      this.races--;
      return false;
    }
    if (this.states.get(key)?.at !== previous?.at) return false;
    this.states.set(key, next);
    return true;
  }
}

const policy = { capacity: 3, refillPerSecond: 0.5 };

describe("token bucket", () => {
  it("allows a burst up to capacity, then refuses with the seconds until the next token", async () => {
    const store = new MemoryStore();
    const now = () => 1_000_000;
    for (let i = 0; i < 3; i++) await takeToken(store, "u", "write", policy, now);
    const refused = takeToken(store, "u", "write", policy, now);
    await expect(refused).rejects.toBeInstanceOf(RateLimitedError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 2 });
  });

  it("refills at the sustained rate and never above capacity", () => {
    expect(refill({ tokens: 0, at: 0 }, policy, 4000).tokens).toBe(2);
    expect(refill({ tokens: 2, at: 0 }, policy, 60_000).tokens).toBe(3);
  });

  it("keeps users and route classes apart", async () => {
    const store = new MemoryStore();
    const now = () => 0;
    for (let i = 0; i < 3; i++) await takeToken(store, "u", "write", policy, now);
    await expect(takeToken(store, "u", "read", policy, now)).resolves.toBeUndefined();
    await expect(takeToken(store, "v", "write", policy, now)).resolves.toBeUndefined();
  });

  it("retries a lost race instead of letting two requests spend one token", async () => {
    const store = new MemoryStore();
    store.races = 2;
    await takeToken(store, "u", "write", policy, () => 0);
    expect(store.states.get("u#write")?.tokens).toBe(2);
  });
});

describe("the default analyze quota", () => {
  it("allows a burst of 10 and about 100 a day after it, however hard a client tries", async () => {
    // Prepare: a client that asks once a minute for a whole day.
    const store = new MemoryStore();
    let now = 0;
    let granted = 0;
    let firstRefusal: RateLimitedError | undefined;
    // Act
    for (; now <= 86_400_000; now += 60_000) {
      try {
        await takeToken(store, "u", "analyze", DEFAULT_RATE_LIMITS.analyze, () => now);
        granted++;
      } catch (error) {
        firstRefusal ??= error as RateLimitedError;
      }
    }
    // Assess
    expect(granted).toBeGreaterThanOrEqual(105);
    expect(granted).toBeLessThanOrEqual(111);
    expect(firstRefusal?.retryAfterSeconds).toBeGreaterThan(60);
  });
});
