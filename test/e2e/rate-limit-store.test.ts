/**
 * The DynamoDB rate-limit store against the emulator's real table: the items it keeps (only under the
 * key prefix the API functions' IAM policy allows), its compare-and-set, and token buckets on it that
 * refill at their rate and never grant more than their capacity, however many requests race.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoRateLimitStore } from "@picstack/adapters";
import { RateLimitedError, takeToken } from "@picstack/core";
import { table } from "@picstack/infrastructure";
import { emulatorClientConfig } from "@picstack/local";
import { describe, expect, it } from "vitest";
import { documents, outputs } from "./helpers.js";

/** The key prefix of the rate-limit items, which the API functions' IAM policy allows (`RATE#*`). */
const RATE = table.keys.rateLimit;

/** A store on the deployed table whose client keeps the partition key of every item it asks for. */
function recordingStore() {
  const client = new DynamoDBClient(emulatorClientConfig(outputs().endpoint));
  const keys: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      // The document client's input, marshalled or not yet, depending on the middleware's order.
      type Key = { pk?: string | { S?: string } } | undefined;
      const { Key, Item } = args.input as { Key?: Key; Item?: Key };
      const pk = (Key ?? Item)?.pk;
      keys.push(String(typeof pk === "string" ? pk : pk?.S));
      return next(args);
    },
    { step: "initialize", name: "recordKeys" },
  );
  return { store: new DynamoRateLimitStore(DynamoDBDocumentClient.from(client), outputs().table), keys };
}

const bucketItem = async (pk: string) =>
  (
    await documents().send(
      new GetCommand({
        TableName: outputs().table,
        Key: { pk, sk: table.keys.rateLimitBucket },
        ConsistentRead: true,
      }),
    )
  ).Item;

let users = 0;
const newUser = () => `rate-${Date.now().toString(36)}-${users++}`;

describe("the items the store keeps", () => {
  it("keeps one bucket per user and route class, at keys the IAM policy's RATE# prefix covers", async () => {
    // Prepare
    const { store, keys } = recordingStore();
    const user = newUser();
    const policy = { capacity: 3, refillPerSecond: 0 };
    // Act
    await takeToken(store, user, "write", policy, () => 1_000);
    await takeToken(store, user, "write", policy, () => 1_000);
    await takeToken(store, user, "read", policy, () => 1_000);
    // Assess
    expect(await bucketItem(`${RATE}${user}#write`)).toMatchObject({
      tokens: 1,
      at: 1_000,
      v: 2,
    });
    expect(await bucketItem(`${RATE}${user}#read`)).toMatchObject({
      tokens: 2,
      at: 1_000,
      v: 1,
    });
    // The API functions may touch only items whose partition key starts with it (dynamodb:LeadingKeys).
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.startsWith(RATE), key).toBe(true);
  });

  it("writes a bucket only over the state it read", async () => {
    // Prepare
    const { store } = recordingStore();
    const key = `${newUser()}#write`;
    expect(await store.compareAndSet(key, undefined, { tokens: 5, at: 1 })).toBe(true);
    const read = await store.get(key);
    // Act
    const created = await store.compareAndSet(key, undefined, { tokens: 9, at: 2 });
    const first = await store.compareAndSet(key, read, { tokens: 4, at: 2 });
    const stale = await store.compareAndSet(key, read, { tokens: 3, at: 3 });
    // Assess
    expect(read).toEqual({ tokens: 5, at: 1, version: 1 });
    expect([created, first, stale]).toEqual([false, true, false]);
    expect(await store.get(key)).toEqual({ tokens: 4, at: 2, version: 2 });
  });

  it("tells two writes within one millisecond apart by its write counter", async () => {
    // Prepare: two requests read the same bucket; the first takes a token in the same millisecond.
    const { store } = recordingStore();
    const key = `${newUser()}#write`;
    await store.compareAndSet(key, undefined, { tokens: 5, at: 7 });
    const read = await store.get(key);
    await store.compareAndSet(key, read, { tokens: 4, at: 7 });
    // Act
    const second = await store.compareAndSet(key, read, { tokens: 4, at: 7 });
    // Assess
    expect(second).toBe(false);
    expect(await store.get(key)).toMatchObject({ tokens: 4, version: 2 });
  });

  it("takes over a bucket written before the write counter, by its refill time", async () => {
    // Prepare: an item as an older store wrote it, without `v`.
    const { store } = recordingStore();
    const key = `${newUser()}#write`;
    await documents().send(
      new PutCommand({
        TableName: outputs().table,
        Item: { pk: `${RATE}${key}`, sk: table.keys.rateLimitBucket, tokens: 2, at: 500 },
      }),
    );
    const read = await store.get(key);
    // Act
    const wrongTime = await store.compareAndSet(key, { tokens: 2, at: 499 }, { tokens: 1, at: 600 });
    const sameTime = await store.compareAndSet(key, read, { tokens: 1, at: 600 });
    // Assess
    expect(read).toEqual({ tokens: 2, at: 500, version: undefined });
    expect([wrongTime, sameTime]).toEqual([false, true]);
    expect(await store.get(key)).toEqual({ tokens: 1, at: 600, version: 1 });
  });
});

describe("a token bucket on the store", () => {
  it("refuses at capacity, with the wait for the next token, and refills at its rate", async () => {
    // Prepare: 3 tokens, one more every 2 s.
    const { store } = recordingStore();
    const user = newUser();
    const policy = { capacity: 3, refillPerSecond: 0.5 };
    let now = 1_000_000;
    const take = () => takeToken(store, user, "write", policy, () => now);
    for (let i = 0; i < 3; i++) await take();
    // Act
    const empty = await take().catch((error: unknown) => error);
    now += 1_000;
    const halfway = await take().catch((error: unknown) => error);
    now += 1_000;
    const refilled = await take().catch((error: unknown) => error);
    const againEmpty = await take().catch((error: unknown) => error);
    now += 60_000;
    const afterAMinute = await store.get(`${user}#write`);
    // Assess
    expect(empty).toBeInstanceOf(RateLimitedError);
    expect(empty).toMatchObject({ retryAfterSeconds: 2 });
    expect(halfway).toMatchObject({ retryAfterSeconds: 1 });
    expect(refilled).toBeUndefined();
    expect(againEmpty).toBeInstanceOf(RateLimitedError);
    // A refill is computed when a token is taken; what is stored is the state after the last take.
    expect(afterAMinute).toMatchObject({ tokens: 0, at: 1_002_000 });
  });

  it("never grants more than its capacity to requests that race for it", async () => {
    // Prepare: 20 requests at the same moment for a bucket of 5 that does not refill meanwhile.
    const { store } = recordingStore();
    const user = newUser();
    const policy = { capacity: 5, refillPerSecond: 0.0001 };
    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        takeToken(store, user, "write", policy, () => 5_000).then(
          () => "granted",
          (error: unknown) => (error instanceof RateLimitedError ? "refused" : error),
        ),
      ),
    );
    // Assess
    expect(outcomes.filter((o) => o === "granted")).toHaveLength(5);
    expect(outcomes.filter((o) => o === "refused")).toHaveLength(15);
    expect(await store.get(`${user}#write`)).toMatchObject({ tokens: 0, version: 5 });
  });
});
