/**
 * List latency at library size: GET /images (first page, limit 20, concurrency 1) for one user with 100
 * images and one with 10,000, for each filter. The target: p95 at 10,000 within 1.5× of p95 at 100.
 * Alongside, what each request costs in DynamoDB (the repository's own count) and the emulator's floor:
 * a bare one-item Query on the user's index partition at both sizes, since the emulator sorts a whole
 * partition on every query (DynamoDB reads only the page it returns).
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoImageRepository, LIST_MAX_CALLS, LIST_READ_BUDGET } from "@picstack/adapters/dynamodb";
import type { ListQuery } from "@picstack/core";
import { type IndexName, table } from "@picstack/infrastructure";
import { emulatorClientConfig, type Outputs, signDevToken } from "@picstack/local";
import {
  countingDocuments,
  LIBRARY_START,
  LIBRARY_STEP_MS,
  libraryRecords,
  seedLibrary,
} from "../test/library.js";
import { percentile, round } from "./stats.js";

export const LIST_P95_TARGET = 1.5;
const LIMIT = 20;
const SIZES = [100, 10_000] as const;

export interface ListRow {
  filter: string;
  images: number;
  requests: number;
  p50Ms: number;
  p95Ms: number;
  /** The repository's count for the same query: DynamoDB calls and items read by one request. */
  calls: number;
  itemsRead: number;
}

export interface ListResult {
  limit: number;
  rows: ListRow[];
  /** p95 at 10,000 over p95 at 100, per filter. */
  p95Ratio: Record<string, number>;
  target: number;
  /** A bare Query(Limit 1) on the user's partition: what the emulator alone adds with size. */
  emulatorQueryP95Ms: Record<string, number>;
  /** The repository's bound on one request's work, and the most any measured request did. */
  bound: { calls: number; itemsRead: number };
  most: { calls: number; itemsRead: number };
  seedSeconds: number;
}

type Filter = Omit<ListQuery, "userId" | "limit" | "order" | "after">;

/** Each size's library spans its own time; from/to picks the middle third of it. */
function filters(images: number): Record<string, Filter> {
  const at = (i: number) => new Date(LIBRARY_START + i * LIBRARY_STEP_MS).toISOString();
  return {
    none: {},
    tag: { tag: "common" },
    status: { status: "failed" },
    "tag+status": { tag: "common", status: "failed" },
    "from/to": { from: at(Math.floor(images / 3)), to: at(Math.floor((2 * images) / 3)) },
  };
}

export async function listLatency(
  outputs: Outputs,
  home: string,
  options: { requests: number; warmup: number; log: (m: string) => void },
): Promise<ListResult> {
  const counter = countingDocuments(emulatorClientConfig(outputs.endpoint));
  const repository = new DynamoImageRepository(counter.documents, outputs.table);
  const run = Date.now().toString(36);
  const users = Object.fromEntries(SIZES.map((n) => [n, `bench-list-${n}-${run}`])) as Record<number, string>;
  const started = Date.now();
  for (const n of SIZES) {
    options.log(`seeding ${n} images through the repository`);
    await seedLibrary(repository, libraryRecords(users[n] as string, n));
  }
  const seedSeconds = round((Date.now() - started) / 1000, 1);

  const rows: ListRow[] = [];
  const emulatorQueryP95Ms: Record<string, number> = {};
  for (const n of SIZES) {
    const userId = users[n] as string;
    const token = await signDevToken(userId, { home });
    for (const [name, filter] of Object.entries(filters(n))) {
      const params = new URLSearchParams({ limit: String(LIMIT) });
      for (const [k, v] of Object.entries(filter)) params.set(k, String(v));
      const url = `${outputs.apiUrl}/images?${params}`;
      const samples: number[] = [];
      for (let i = 0; i < options.warmup + options.requests; i++) {
        const t = performance.now();
        const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`GET /images?${params}: HTTP ${response.status}`);
        if (i >= options.warmup) samples.push(performance.now() - t);
      }
      counter.reset();
      const page = await repository.list({ userId, limit: LIMIT, order: "desc", ...filter });
      rows.push({
        filter: name,
        images: n,
        requests: samples.length,
        p50Ms: round(percentile(samples, 50)),
        p95Ms: round(percentile(samples, 95)),
        calls: counter.calls(),
        itemsRead: page.stats?.itemsRead ?? 0,
      });
      options.log(`${name} at ${n}: p95 ${round(percentile(samples, 95))} ms`);
    }
    const floor: number[] = [];
    for (let i = 0; i < options.warmup + options.requests; i++) {
      const t = performance.now();
      await counter.documents.send(
        new QueryCommand({
          TableName: outputs.table,
          IndexName: "byUser" satisfies IndexName,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": table.indexes.byUser.partitionKey },
          ExpressionAttributeValues: { ":pk": `${table.keys.user}${userId}` },
          ScanIndexForward: false,
          Limit: 1,
        }),
      );
      if (i >= options.warmup) floor.push(performance.now() - t);
    }
    emulatorQueryP95Ms[String(n)] = round(percentile(floor, 95));
  }

  const p95Ratio: Record<string, number> = {};
  for (const name of Object.keys(filters(100))) {
    const small = rows.find((r) => r.filter === name && r.images === SIZES[0]);
    const large = rows.find((r) => r.filter === name && r.images === SIZES[1]);
    if (small && large) p95Ratio[name] = round(large.p95Ms / small.p95Ms, 2);
  }
  return {
    limit: LIMIT,
    rows,
    p95Ratio,
    target: LIST_P95_TARGET,
    emulatorQueryP95Ms,
    bound: { calls: LIST_MAX_CALLS, itemsRead: 2 * LIST_READ_BUDGET },
    most: {
      calls: Math.max(...rows.map((r) => r.calls)),
      itemsRead: Math.max(...rows.map((r) => r.itemsRead)),
    },
    seedSeconds,
  };
}
