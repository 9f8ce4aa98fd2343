/**
 * A user's search index: a snapshot in S3 plus the changes not yet in it, pending in DynamoDB
 * (dynamodb-search-keys.ts, docs/search.md).
 *
 * - `index(userId)` answers with the current index: one Query of the user's partition gives the state
 *   (`META`: generation, snapshot key) and every pending change; the snapshot of that generation comes
 *   from an in-memory LRU or from S3; pending changes are applied over it. A pending change always
 *   supersedes the snapshot's document: a compaction deletes a change only once a snapshot holding it is
 *   current, and a change made since stays pending.
 * - `compact(userId)` folds the pending changes into a new snapshot: read the state at generation g,
 *   load snapshot g, apply, write snapshot g+1 under a new key, move `META` from g to g+1 on condition
 *   (a compactor that loses the race deletes what it wrote and stops), delete each folded change on
 *   condition that it is unchanged, then delete snapshot g.
 */
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { SearchDoc, SearchEngine } from "@picstack/core";
import { bucketAreaPrefixes, table } from "@picstack/infrastructure";
import { isConditionFailure } from "./dynamodb-errors.js";
import { searchMetaKey, searchPartition } from "./dynamodb-search-keys.js";

const { partitionKey: PK, sortKey: SK, keys: KEYS } = table;
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Builds engines: an empty one, or one restored from a snapshot (`SearchIndex.load`). */
export interface SearchEngineFactory {
  empty(): SearchEngine;
  load(snapshot: unknown): SearchEngine;
}

export interface SearchIndexMeta {
  generation: number;
  snapshotKey?: string;
  docs: number;
}

export interface PendingChange {
  imageId: string;
  /** The document, or `undefined` when the image is gone from search. */
  doc?: SearchDoc;
  version: string;
  rev: number;
}

export interface SearchIndexState {
  meta?: SearchIndexMeta;
  pending: PendingChange[];
}

export interface SearchIndexStoreOptions {
  db: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
  bucket: string;
  engines: SearchEngineFactory;
  /** Documents kept in memory over all cached users (whole indexes, least recently used evicted first). */
  cacheDocs?: number;
}

export type CompactionResult =
  | { outcome: "skipped"; pending: number }
  | { outcome: "lost" }
  | { outcome: "compacted"; generation: number; applied: number; kept: number; docs: number };

interface CacheEntry {
  generation: number;
  engine: SearchEngine;
  /** `version|rev` of each pending change applied over the snapshot. */
  applied: Map<string, string>;
}

const tokenOf = (change: PendingChange) => `${change.version}|${change.rev}`;

/** Whole indexes by user, least recently used first; bounded by their documents in total. */
class IndexCache {
  private readonly entries = new Map<string, CacheEntry>();
  constructor(private readonly maxDocs: number) {}

  get(userId: string): CacheEntry | undefined {
    const entry = this.entries.get(userId);
    if (entry) {
      this.entries.delete(userId);
      this.entries.set(userId, entry);
    }
    return entry;
  }

  set(userId: string, entry: CacheEntry): void {
    this.entries.delete(userId);
    this.entries.set(userId, entry);
    let total = 0;
    for (const e of this.entries.values()) total += e.engine.size;
    // The newest entry stays even when it alone is over the bound: it is the one being searched.
    for (const [id, e] of this.entries) {
      if (total <= this.maxDocs || id === userId) break;
      this.entries.delete(id);
      total -= e.engine.size;
    }
  }

  delete(userId: string): void {
    this.entries.delete(userId);
  }
}

const isNoSuchKey = (error: unknown) =>
  error instanceof Error && (error.name === "NoSuchKey" || error.name === "NotFound");

/** A snapshot's key: a fresh one per write, so two compactors racing never write the same object. */
export const snapshotKey = (userId: string, generation: number) =>
  `${bucketAreaPrefixes.search}${userId}/${generation}-${randomUUID()}.json.gz`;

export class SearchIndexStore {
  private readonly cache: IndexCache;

  constructor(private readonly options: SearchIndexStoreOptions) {
    this.cache = new IndexCache(options.cacheDocs ?? 200_000);
  }

  /** The state and every pending change, with one (paginated) strongly consistent Query. */
  async state(userId: string): Promise<SearchIndexState> {
    const { db, tableName } = this.options;
    const pending: PendingChange[] = [];
    let meta: SearchIndexMeta | undefined;
    let start: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: `${PK} = :pk`,
          ExpressionAttributeValues: { ":pk": searchPartition(userId) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const sk = item[SK] as string;
        if (sk === KEYS.searchMeta) {
          meta = {
            generation: item.generation as number,
            docs: (item.docs as number | undefined) ?? 0,
            ...(item.snapshotKey ? { snapshotKey: item.snapshotKey as string } : {}),
          };
        } else if (sk.startsWith(KEYS.searchDoc)) {
          pending.push({
            imageId: sk.slice(KEYS.searchDoc.length),
            ...(typeof item.doc === "string" && !item.removed
              ? { doc: JSON.parse(item.doc) as SearchDoc }
              : {}),
            version: item.version as string,
            rev: item.rev as number,
          });
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { ...(meta ? { meta } : {}), pending };
  }

  private async loadSnapshot(key: string | undefined): Promise<SearchEngine> {
    const { s3, bucket, engines } = this.options;
    if (!key) return engines.empty();
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await object.Body?.transformToByteArray();
    if (!bytes) throw new Error(`Search snapshot ${key} has no body`);
    return engines.load(JSON.parse((await gunzipAsync(bytes)).toString("utf8")));
  }

  /**
   * The user's current index (snapshot and pending changes) and how many changes are pending. Another
   * compactor may delete the snapshot just read from `META`: then the state is read once more.
   */
  async index(userId: string): Promise<{ engine: SearchEngine; pending: number; generation: number }> {
    let state = await this.state(userId);
    let entry = this.cache.get(userId);
    const generation = () => state.meta?.generation ?? 0;
    if (!entry || entry.generation !== generation()) {
      let engine: SearchEngine;
      try {
        engine = await this.loadSnapshot(state.meta?.snapshotKey);
      } catch (error) {
        if (!isNoSuchKey(error)) throw error;
        state = await this.state(userId);
        engine = await this.loadSnapshot(state.meta?.snapshotKey);
      }
      entry = { generation: generation(), engine, applied: new Map() };
    }
    for (const change of state.pending) {
      const token = tokenOf(change);
      if (entry.applied.get(change.imageId) === token) continue;
      apply(entry.engine, change);
      entry.applied.set(change.imageId, token);
    }
    this.cache.set(userId, entry);
    return { engine: entry.engine, pending: state.pending.length, generation: entry.generation };
  }

  /**
   * Folds the pending changes into a new snapshot; skipped below `minPending` changes unless `force`.
   * Safe to run concurrently with itself, with writers and with readers (see the module comment).
   */
  async compact(
    userId: string,
    options: { force?: boolean; minPending?: number } = {},
  ): Promise<CompactionResult> {
    const { db, s3, tableName, bucket } = this.options;
    const state = await this.state(userId);
    const minPending = Math.max(1, options.minPending ?? 1);
    if (state.pending.length === 0 || (!options.force && state.pending.length < minPending)) {
      return { outcome: "skipped", pending: state.pending.length };
    }
    const from = state.meta?.generation ?? 0;
    let engine: SearchEngine;
    try {
      engine = await this.loadSnapshot(state.meta?.snapshotKey);
    } catch (error) {
      // Another compactor replaced that snapshot since the state was read: it won.
      if (isNoSuchKey(error)) return { outcome: "lost" };
      throw error;
    }
    for (const change of state.pending) apply(engine, change);
    const generation = from + 1;
    // An empty index needs no object: nothing of a user whose images are all purged stays in S3.
    const key = engine.size > 0 ? snapshotKey(userId, generation) : undefined;
    if (key) {
      const body = await gzipAsync(Buffer.from(JSON.stringify(engine.toJSON())));
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
          ContentEncoding: "gzip",
        }),
      );
    }
    try {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: searchMetaKey(userId),
          UpdateExpression: key
            ? "SET generation = :next, docs = :docs, snapshotKey = :key"
            : "SET generation = :next, docs = :docs REMOVE snapshotKey",
          ConditionExpression: state.meta ? "generation = :from" : `attribute_not_exists(${PK})`,
          ExpressionAttributeValues: {
            ":next": generation,
            ":docs": engine.size,
            ...(key ? { ":key": key } : {}),
            ...(state.meta ? { ":from": from } : {}),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (key) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      return { outcome: "lost" };
    }
    // The new snapshot is current: drop each folded change unless it changed meanwhile.
    let kept = 0;
    const deletes = state.pending.map((change) => async () => {
      try {
        await db.send(
          new DeleteCommand({
            TableName: tableName,
            Key: { [PK]: searchPartition(userId), [SK]: `${KEYS.searchDoc}${change.imageId}` },
            ConditionExpression: "rev = :rev",
            ExpressionAttributeValues: { ":rev": change.rev },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        kept++;
      }
    });
    await inBatches(deletes, 10);
    if (state.meta?.snapshotKey) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: state.meta.snapshotKey }));
    }
    this.cache.delete(userId);
    return {
      outcome: "compacted",
      generation,
      applied: state.pending.length - kept,
      kept,
      docs: engine.size,
    };
  }
}

function apply(engine: SearchEngine, change: PendingChange): void {
  if (change.doc) engine.upsert(change.doc);
  else engine.remove(change.imageId);
}

/** Runs `tasks` `size` at a time. */
async function inBatches(tasks: Array<() => Promise<void>>, size: number): Promise<void> {
  for (let i = 0; i < tasks.length; i += size) {
    await Promise.all(tasks.slice(i, i + size).map((task) => task()));
  }
}
