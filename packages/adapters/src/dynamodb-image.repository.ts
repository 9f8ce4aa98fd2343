/**
 * ImageRepository on the single DynamoDB table. Attribute names, index names and key prefixes are the
 * declaration's (infrastructure/picstack.ts `table`); this is how they combine.
 *
 * Item layout:
 * - the image record at `pk = IMAGE#{id}`, `sk = IMAGE`. While visible it is in the user index as
 *   `gsi1pk = USER#{userId}`, `gsi1sk = {createdAt}#{id}`; once soft-deleted it moves to
 *   `gsi1pk = DELETED`, `gsi1sk = {deletedAt}#{id}`, where the purge job finds it and lists never do.
 * - while visible the record is also in the status index as `gsi3pk = USER#{userId}`,
 *   `gsi3sk = {status}#{createdAt}#{id}`; every status change rewrites `gsi3sk`, a soft delete removes
 *   both keys and a restore writes them back.
 * - one tag item per tag of a visible image at `pk = IMAGE#{id}`, `sk = TAG#{tag}`, in the tag index as
 *   `gsi2pk = {userId}#{tag}`, `gsi2sk = {createdAt}#{id}`. Tag items are written in the same transaction
 *   as the record's `tags`, so the index never disagrees with the record.
 * - once ready, one lookup item per image at `pk = SHA256#{userId}#{sha256}`, `sk = {id}` (the digest of
 *   the checked original), written in the same transaction as `ready`; duplicates are listed from it.
 *   It is the one item outside the image's partition: its key follows from the record's `userId` and
 *   `checksum`, which never change once ready, so the purge deletes it by that key.
 * - `embedding` (when an embedding provider is configured) is a map `{ model, vector }` whose vector is
 *   binary, little-endian Float32: 4 bytes a dimension (1 KiB for 256) where a list of numbers costs
 *   DynamoDB a byte per digit plus overhead (about 5 KiB), and Float32 is more than ranking needs.
 * Every other item of an image lives in its partition `IMAGE#{id}`, so a purge finds them all with one query.
 * A user id never contains `#` (refused here), so `{userId}#{tag}` has one reading even when a tag does.
 * State changes are conditional writes, so two writers can never both move one image.
 */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  ConflictError,
  type DetailChanges,
  type ImageAnalysis,
  type ImageRecord,
  type ImageRef,
  type ImageRepository,
  InvalidCursorError,
  type ListPage,
  type ListQuery,
  type ListStats,
  type PageKey,
  type ProcessedImage,
} from "@picstack/core";
import { type IndexName, table } from "@picstack/infrastructure";
import { isConditionFailure, isTransactionCanceled } from "./dynamodb-errors.js";

const { partitionKey: PK, sortKey: SK, keys: KEYS } = table;
/** An index with the name queries give it. */
const indexOf = <N extends IndexName>(name: N) => ({ name, ...table.indexes[name] });
const BY_USER = indexOf("byUser");
const BY_TAG = indexOf("byTag");
const BY_STATUS = indexOf("byStatus");
/** A key value from its parts. */
const join = (...parts: string[]) => parts.join(table.separator);

/**
 * Key parts are joined with `#`. Ids are server-made and URL-safe, statuses and timestamps have no `#`,
 * and a tag may hold one only because it always comes last; a user id with `#` would make
 * `{userId}#{tag}` ambiguous (user `a#x` with tag `b` against user `a` with tag `x#b`), so it is refused.
 */
function userPart(userId: string): string {
  if (userId.length === 0 || userId.includes(table.separator)) {
    throw new Error(`A user id must be non-empty and must not contain '${table.separator}'`);
  }
  return userId;
}

const imagePartition = (id: string) => `${KEYS.image}${id}`;
export const imageKey = (id: string) => ({ [PK]: imagePartition(id), [SK]: KEYS.imageRecord });
export const userIndexKey = (record: ImageRef) => ({
  [BY_USER.partitionKey]: `${KEYS.user}${userPart(record.userId)}`,
  [BY_USER.sortKey]: join(record.createdAt, record.id),
});
const statusSortKey = (ref: ImageRef, status: ImageRecord["status"]) => join(status, ref.createdAt, ref.id);
export const statusIndexKey = (ref: ImageRef, status: ImageRecord["status"]) => ({
  [BY_STATUS.partitionKey]: `${KEYS.user}${userPart(ref.userId)}`,
  [BY_STATUS.sortKey]: statusSortKey(ref, status),
});

const tagKey = (id: string, tag: string) => ({ [PK]: imagePartition(id), [SK]: `${KEYS.imageTag}${tag}` });
/** Digests are 64 lower-case hex characters: no separator, and one spelling per digest. */
const SHA256_HEX = /^[0-9a-f]{64}$/;
const sha256Partition = (userId: string, sha256: string) => {
  if (!SHA256_HEX.test(sha256)) throw new Error("A SHA-256 must be 64 lower-case hex characters");
  return `${KEYS.sha256}${join(userPart(userId), sha256)}`;
};
export const sha256Key = (ref: Pick<ImageRecord, "id" | "userId">, sha256: string) => ({
  [PK]: sha256Partition(ref.userId, sha256),
  [SK]: ref.id,
});

/** An embedding's vector as stored: little-endian Float32. */
export function packVector(vector: ReadonlyArray<number>): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of vector.entries()) view.setFloat32(i * 4, value, true);
  return bytes;
}

/** The vector of a stored embedding (a list of numbers, as records may also hold, reads as it is). */
export function unpackVector(stored: unknown): number[] {
  if (Array.isArray(stored)) return stored.map(Number);
  if (!(stored instanceof Uint8Array)) return [];
  // DataView: the bytes DynamoDB hands back need not be 4-byte aligned for a Float32Array.
  const view = new DataView(stored.buffer, stored.byteOffset, stored.byteLength);
  return Array.from({ length: Math.floor(stored.byteLength / 4) }, (_, i) => view.getFloat32(i * 4, true));
}

/** The attributes the table and its indexes are keyed on; none is part of a record. */
const KEY_ATTRIBUTES: ReadonlySet<string> = new Set([
  PK,
  SK,
  ...Object.values(table.indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
]);
type KeyAttribute = typeof PK | typeof SK | (typeof table.indexes)[IndexName]["partitionKey" | "sortKey"];
type ImageItem = ImageRecord & Partial<Record<KeyAttribute, string>>;
type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>;

function toRecord(item: Record<string, unknown>): ImageRecord {
  const record = Object.fromEntries(
    Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name)),
  ) as unknown as ImageRecord;
  const embedding = record.embedding as { model: string; vector: unknown } | undefined;
  if (embedding) record.embedding = { model: embedding.model, vector: unpackVector(embedding.vector) };
  return record;
}

/** The lookup of duplicates reads this many entries at most, whatever `limit` a caller asks for. */
const MAX_SHA256_ENTRIES = 100;

/**
 * What one list request may read. An index page is at most {@link MAX_INDEX_PAGE} entries; when the
 * records of tag-index entries are filtered (tag with status), the request stops after
 * {@link LIST_READ_BUDGET} index entries and answers a short page with a cursor.
 */
export const LIST_READ_BUDGET = 300;
export const MAX_INDEX_PAGE = 100;
/**
 * DynamoDB calls one list request makes at most while every key is processed at once: with a status
 * filter on tag hits, index pages grow from `limit + 1` (2, 4, …, 100) until the budget is spent, eight
 * queries at most, each with one BatchGetItem. A BatchGetItem retry of unprocessed keys adds one.
 */
export const LIST_MAX_CALLS = 16;
/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
const UNPROCESSED_RETRIES = 6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A write refused by its condition, alone or inside a transaction. */
const isConflict = (error: unknown) => isConditionFailure(error) || isTransactionCanceled(error);

/**
 * Sends `pending` and then whatever DynamoDB leaves unprocessed, with backoff, until nothing is left.
 * The SDK retries failed calls, not the unprocessed part of a successful batch call.
 */
async function untilProcessed<T>(
  pending: T[],
  send: (batch: T[]) => Promise<T[] | undefined>,
  what: string,
): Promise<void> {
  let left: T[] | undefined = pending;
  for (let attempt = 0; left && left.length > 0; attempt++) {
    if (attempt > UNPROCESSED_RETRIES) throw new Error(`DynamoDB left ${what} unprocessed after retries`);
    if (attempt > 0) await backoff(attempt);
    left = await send(left);
  }
}
/** Full-jitter exponential backoff, as AWS advises for unprocessed keys and throttling. */
const backoff = (attempt: number) => sleep(Math.random() * Math.min(1000, 25 * 2 ** attempt));

/** Highest character of the id alphabet and beyond: closes an inclusive `{to}#…` range. */
const RANGE_END = "~";
const EARLIEST = "0000-01-01T00:00:00.000Z";
const LATEST = "9999-12-31T23:59:59.999Z";

export class DynamoImageRepository implements ImageRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(record: ImageRecord): Promise<void> {
    const item: ImageItem = {
      ...imageKey(record.id),
      ...userIndexKey(record),
      ...(record.deletedAt ? {} : statusIndexKey(record, record.status)),
      ...record,
    };
    try {
      await this.transact([
        {
          Put: { TableName: this.tableName, Item: item, ConditionExpression: `attribute_not_exists(${PK})` },
        },
        ...this.putTags(record, record.tags),
      ]);
    } catch (error) {
      // A record with tags is created in a transaction, whose refusal is a TransactionCanceledException.
      if (isConflict(error)) throw new ConflictError(`Image ${record.id} exists`);
      throw error;
    }
  }

  async saveAnalysis(
    record: ImageRecord,
    now: string,
    analysis: ImageAnalysis,
    tags: string[],
    embedding?: ImageRecord["embedding"],
  ): Promise<void> {
    const added = tags.filter((t) => !record.tags.includes(t));
    // No embedding removes one stored before: it was of another analysis' text.
    const embeddingUpdate = embedding
      ? ", embedding = :embedding REMOVE analysisLeaseUntil"
      : " REMOVE analysisLeaseUntil, embedding";
    // Tag items only for a visible image, and only if it is still visible when they are written: a
    // delete in between fails the write (ConflictError), and the caller reads the image again.
    const visibility = record.deletedAt ? "attribute_exists(deletedAt)" : "attribute_not_exists(deletedAt)";
    await this.transactOrConflict(
      [
        {
          Update: {
            TableName: this.tableName,
            Key: imageKey(record.id),
            UpdateExpression: `SET analysis = :analysis, tags = :tags, updatedAt = :now${embeddingUpdate}`,
            ConditionExpression: `attribute_exists(${PK}) AND tags = :oldTags AND ${visibility}`,
            ExpressionAttributeValues: {
              ":analysis": analysis,
              ":tags": tags,
              ":now": now,
              ":oldTags": record.tags,
              ...(embedding
                ? { ":embedding": { model: embedding.model, vector: packVector(embedding.vector) } }
                : {}),
            },
          },
        },
        // A deleted image keeps its tags on the record only; restore writes its tag items back.
        ...(record.deletedAt ? [] : this.putTags(record, added)),
      ],
      record.id,
    );
  }

  async requestAnalysis(record: ImageRecord, now: string): Promise<ImageRecord | undefined> {
    const analysis: ImageAnalysis = { ...record.analysis, status: "pending" };
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageKey(record.id),
          UpdateExpression: "SET analysis = :analysis, updatedAt = :now",
          // Not while one is queued or running: a repeat would pay for the same analysis twice.
          ConditionExpression:
            "#status = :ready AND attribute_not_exists(deletedAt) AND analysis.#status <> :pending",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":analysis": analysis,
            ":now": now,
            ":ready": "ready",
            ":pending": "pending",
          },
        }),
      );
      return { ...record, analysis, updatedAt: now };
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async list(query: ListQuery): Promise<ListPage> {
    const stats: ListStats = { calls: 0, itemsRead: 0, foreign: 0 };
    const user = userPart(query.userId);
    const from = query.from ?? EARLIEST;
    const to = join(query.to ?? LATEST, RANGE_END);
    // status alone: the status index answers exactly; tag (with or without status): the tag index, whose
    // entries need their records; otherwise the user index.
    const plan =
      query.tag !== undefined
        ? { index: BY_TAG, value: join(user, query.tag), lo: from, hi: to }
        : query.status !== undefined
          ? {
              index: BY_STATUS,
              value: `${KEYS.user}${user}`,
              lo: join(query.status, from),
              hi: join(query.status, to),
            }
          : { index: BY_USER, value: `${KEYS.user}${user}`, lo: from, hi: to };
    const { name: indexName, partitionKey: indexPk, sortKey: indexSk } = plan.index;
    const byTag = indexName === BY_TAG.name;
    const filtered = byTag && query.status !== undefined;
    const keyOf = (item: Record<string, unknown>): PageKey => ({
      [PK]: item[PK] as string,
      [SK]: item[SK] as string,
      [indexPk]: item[indexPk] as string,
      [indexSk]: item[indexSk] as string,
    });
    let start = query.after;
    if (start) {
      // The cursor is signed, but one signed before the index layout changed may name another index.
      const names = Object.keys(start).sort().join();
      if (names !== [PK, SK, indexPk, indexSk].sort().join() || start[indexPk] !== plan.value) {
        throw new InvalidCursorError();
      }
    }

    const kept: Array<{ record: ImageRecord; key: PageKey }> = [];
    let examined = 0;
    let pageSize = query.limit + 1;
    // One entry more than the limit tells whether another page exists. Entries that do not match (a
    // status filter on tag hits, or a stale entry) cost reads, so the loop stops at the read budget and
    // hands out a cursor from where it stopped: bounded work per request, never a walk of the library.
    while (kept.length <= query.limit && examined < LIST_READ_BUDGET) {
      const want = filtered
        ? Math.min(
            MAX_INDEX_PAGE,
            LIST_READ_BUDGET - examined,
            Math.max(pageSize, query.limit + 1 - kept.length),
          )
        : Math.min(MAX_INDEX_PAGE + 1, LIST_READ_BUDGET - examined, query.limit + 1 - kept.length);
      pageSize = Math.min(MAX_INDEX_PAGE, pageSize * 2);
      stats.calls++;
      const result: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :lo AND :hi",
          ExpressionAttributeNames: { "#pk": indexPk, "#sk": indexSk },
          ExpressionAttributeValues: { ":pk": plan.value, ":lo": plan.lo, ":hi": plan.hi },
          ScanIndexForward: query.order === "asc",
          Limit: want,
          ExclusiveStartKey: start,
        }),
      );
      const items = result.Items ?? [];
      examined += items.length;
      stats.itemsRead += items.length;
      const records = byTag
        ? await this.recordsOf(
            items.map((i) => i[PK] as string),
            stats,
          )
        : items.map(toRecord);
      items.forEach((item, index) => {
        const record = records[index];
        if (!record || record.deletedAt || (query.status && record.status !== query.status)) return;
        if (record.userId !== query.userId) {
          stats.foreign++;
          return;
        }
        kept.push({ record, key: keyOf(item) });
      });
      start = result.LastEvaluatedKey as PageKey | undefined;
      if (!start) break;
    }
    const page = kept.slice(0, query.limit);
    const last = page.at(-1);
    const next = kept.length > query.limit && last ? last.key : start;
    return { items: page.map((p) => p.record), ...(next ? { next } : {}), stats };
  }

  /** Image records for tag-index hits, in the same order (`undefined` where one is gone). */
  private async recordsOf(pks: string[], stats: ListStats): Promise<Array<ImageRecord | undefined>> {
    const found = new Map<string, ImageRecord>();
    const unique = [...new Set(pks)];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      const keys = unique
        .slice(i, i + BATCH_GET_MAX)
        .map((pk): Record<string, unknown> => ({ [PK]: pk, [SK]: KEYS.imageRecord }));
      await untilProcessed(
        keys,
        async (batch) => {
          stats.calls++;
          const result: BatchGetCommandOutput = await this.db.send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: batch, ConsistentRead: true } },
            }),
          );
          for (const item of result.Responses?.[this.tableName] ?? []) {
            stats.itemsRead++;
            found.set(item[PK] as string, toRecord(item));
          }
          return result.UnprocessedKeys?.[this.tableName]?.Keys;
        },
        "keys",
      );
    }
    return pks.map((pk) => found.get(pk));
  }

  async updateDetails(record: ImageRecord, now: string, changes: DetailChanges): Promise<ImageRecord> {
    const sets = ["updatedAt = :now"];
    const values: Record<string, unknown> = { ":now": now, ":user": record.userId };
    const conditions = [`attribute_exists(${PK})`, "attribute_not_exists(deletedAt)", "userId = :user"];
    const items: TransactItems = [];
    if (changes.note !== undefined) {
      sets.push("note = :note");
      values[":note"] = changes.note;
    }
    if (changes.tags !== undefined) {
      sets.push("tags = :tags");
      values[":tags"] = changes.tags;
      // Another writer changing the tags in between would leave the index out of step: refuse instead.
      conditions.push("tags = :oldTags");
      values[":oldTags"] = record.tags;
      const removed = record.tags.filter((t) => !changes.tags?.includes(t));
      const added = changes.tags.filter((t) => !record.tags.includes(t));
      items.push(...this.deleteTags(record.id, removed), ...this.putTags(record, added));
    }
    items.unshift({
      Update: {
        TableName: this.tableName,
        Key: imageKey(record.id),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeValues: values,
      },
    });
    await this.transactOrConflict(items, record.id);
    return { ...record, ...changes, updatedAt: now };
  }

  async softDelete(record: ImageRecord, now: string): Promise<void> {
    await this.transactOrConflict(
      [
        {
          Update: {
            TableName: this.tableName,
            Key: imageKey(record.id),
            UpdateExpression: `SET deletedAt = :now, updatedAt = :now, ${BY_USER.partitionKey} = :deleted, ${BY_USER.sortKey} = :sk REMOVE ${BY_STATUS.partitionKey}, ${BY_STATUS.sortKey}`,
            ConditionExpression: `attribute_exists(${PK}) AND attribute_not_exists(deletedAt) AND tags = :tags`,
            ExpressionAttributeValues: {
              ":now": now,
              ":deleted": KEYS.deleted,
              ":sk": join(now, record.id),
              ":tags": record.tags,
            },
          },
        },
        ...this.deleteTags(record.id, record.tags),
      ],
      record.id,
    );
  }

  async restore(record: ImageRecord, now: string): Promise<ImageRecord> {
    const visible = userIndexKey(record);
    const byStatus = statusIndexKey(record, record.status);
    await this.transactOrConflict(
      [
        {
          Update: {
            TableName: this.tableName,
            Key: imageKey(record.id),
            UpdateExpression: `SET updatedAt = :now, ${BY_USER.partitionKey} = :pk, ${BY_USER.sortKey} = :sk, ${BY_STATUS.partitionKey} = :spk, ${BY_STATUS.sortKey} = :ssk REMOVE deletedAt`,
            // Status and tags as read: the index keys written here are built from them.
            ConditionExpression: "deletedAt = :deletedAt AND #status = :status AND tags = :tags",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":now": now,
              ":deletedAt": record.deletedAt,
              ":pk": visible[BY_USER.partitionKey],
              ":sk": visible[BY_USER.sortKey],
              ":spk": byStatus[BY_STATUS.partitionKey],
              ":ssk": byStatus[BY_STATUS.sortKey],
              ":status": record.status,
              ":tags": record.tags,
            },
          },
        },
        ...this.putTags(record, record.tags),
      ],
      record.id,
    );
    const { deletedAt: _gone, ...restored } = record;
    return { ...restored, updatedAt: now };
  }

  async listDeletedBefore(before: string, limit: number): Promise<ImageRecord[]> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BY_USER.name,
        KeyConditionExpression: `${BY_USER.partitionKey} = :deleted AND ${BY_USER.sortKey} < :before`,
        ExpressionAttributeValues: { ":deleted": KEYS.deleted, ":before": before },
        ScanIndexForward: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map(toRecord);
  }

  async findBySha256(userId: string, sha256: string, limit: number): Promise<ImageRecord[]> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: `${PK} = :pk`,
        ExpressionAttributeValues: { ":pk": sha256Partition(userId, sha256) },
        ProjectionExpression: SK,
        // Ids sort by creation time: the newest copies first.
        ScanIndexForward: false,
        Limit: Math.min(limit, MAX_SHA256_ENTRIES),
      }),
    );
    const ids = (result.Items ?? []).map((item) => item[SK] as string);
    const stats: ListStats = { calls: 0, itemsRead: 0, foreign: 0 };
    const records = await this.recordsOf(ids.map(imagePartition), stats);
    // The entry's key names the user and the digest; the record is what says it is still theirs, ready
    // and visible.
    return records.filter(
      (r): r is ImageRecord =>
        r !== undefined &&
        r.userId === userId &&
        r.status === "ready" &&
        !r.deletedAt &&
        r.checksum?.sha256 === sha256,
    );
  }

  async purge(record: ImageRecord): Promise<void> {
    // Every item of the image lives in its partition: the record and any tag items, including ones a
    // writer may have left behind.
    const others: Array<Record<string, unknown>> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `${PK} = :pk`,
          ExpressionAttributeValues: { ":pk": imagePartition(record.id) },
          ProjectionExpression: `${PK}, ${SK}`,
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? [])
        if (item[SK] !== KEYS.imageRecord) others.push({ [PK]: item[PK], [SK]: item[SK] });
      start = page.LastEvaluatedKey;
    } while (start);
    // The one item outside the partition: the lookup by digest, at a key the record names.
    if (record.checksum) others.unshift(sha256Key(record, record.checksum.sha256));
    // The record goes in one transaction with the first 99 other items, on the condition that it is
    // still deleted; what a transaction cannot hold follows in batches.
    const first = others.slice(0, 99);
    const rest = others.slice(99);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: imageKey(record.id),
                ConditionExpression: "deletedAt = :deletedAt",
                ExpressionAttributeValues: { ":deletedAt": record.deletedAt },
              },
            },
            ...first.map((Key) => ({ Delete: { TableName: this.tableName, Key } })),
          ],
        }),
      );
    } catch (error) {
      if (isConflict(error)) throw new ConflictError(`Image ${record.id} was restored meanwhile`);
      throw error;
    }
    for (let i = 0; i < rest.length; i += BATCH_WRITE_MAX) {
      const requests = rest
        .slice(i, i + BATCH_WRITE_MAX)
        .map((Key): Record<string, unknown> => ({ DeleteRequest: { Key } }));
      await untilProcessed(
        requests,
        async (batch) => {
          const result = await this.db.send(
            new BatchWriteCommand({ RequestItems: { [this.tableName]: batch } }),
          );
          return result.UnprocessedItems?.[this.tableName] as Array<Record<string, unknown>> | undefined;
        },
        "deletes",
      );
    }
  }

  /**
   * Gives visible records written before the status index existed their status keys. Idempotent and
   * conditional on the record being as read, so it can run while the API serves requests. Returns how
   * many records it updated.
   */
  async backfillStatusKeys(): Promise<number> {
    let updated = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: `${SK} = :sk AND attribute_not_exists(${BY_STATUS.partitionKey}) AND attribute_not_exists(deletedAt)`,
          ProjectionExpression: "id, userId, createdAt, #status",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":sk": KEYS.imageRecord },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        // A user id that cannot form keys cannot list either; its records are left as they are.
        if ((item.userId as string).includes(table.separator)) continue;
        if (await this.addStatusKeys(item as ImageRef & Pick<ImageRecord, "status">)) updated++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return updated;
  }

  private async addStatusKeys(read: ImageRef & Pick<ImageRecord, "status">): Promise<boolean> {
    let ref: (ImageRef & Pick<ImageRecord, "status">) | undefined = read;
    for (let attempt = 0; ref && attempt < 5; attempt++) {
      const keys = statusIndexKey(ref, ref.status);
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: imageKey(ref.id),
            UpdateExpression: `SET ${BY_STATUS.partitionKey} = :pk, ${BY_STATUS.sortKey} = :sk`,
            ConditionExpression: `attribute_exists(${PK}) AND attribute_not_exists(deletedAt) AND attribute_not_exists(${BY_STATUS.partitionKey}) AND #status = :status`,
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":pk": keys[BY_STATUS.partitionKey],
              ":sk": keys[BY_STATUS.sortKey],
              ":status": ref.status,
            },
          }),
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      // Its status changed meanwhile (or it was deleted, or keyed): read it again.
      const result = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: imageKey(ref.id), ConsistentRead: true }),
      );
      const item = result.Item as ImageItem | undefined;
      ref = item && !item.deletedAt && !item[BY_STATUS.partitionKey] ? item : undefined;
    }
    return false;
  }

  private putTags(record: ImageRecord, tags: string[]): TransactItems {
    return tags.map((tag) => ({
      Put: {
        TableName: this.tableName,
        Item: {
          ...tagKey(record.id, tag),
          [BY_TAG.partitionKey]: join(record.userId, tag),
          [BY_TAG.sortKey]: join(record.createdAt, record.id),
          imageId: record.id,
        },
      },
    }));
  }

  private deleteTags(id: string, tags: string[]): TransactItems {
    return tags.map((tag) => ({ Delete: { TableName: this.tableName, Key: tagKey(id, tag) } }));
  }

  private async transact(items: TransactItems): Promise<void> {
    const [first] = items;
    if (items.length === 1 && first?.Put) {
      await this.db.send(new PutCommand(first.Put));
      return;
    }
    await this.db.send(new TransactWriteCommand({ TransactItems: items }));
  }

  private async transactOrConflict(items: TransactItems, id: string): Promise<void> {
    try {
      await this.transact(items);
    } catch (error) {
      if (isConflict(error))
        throw new ConflictError(`Image ${id} changed meanwhile; read it again and retry`);
      throw error;
    }
  }

  async get(id: string): Promise<ImageRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: imageKey(id), ConsistentRead: true }),
    );
    return result.Item ? toRecord(result.Item) : undefined;
  }

  async claimForProcessing(ref: ImageRef, now: string, leaseUntil: string): Promise<ImageRecord | undefined> {
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageKey(ref.id),
          // `claims` counts the times work started on the image: operators (and the reliability suite)
          // see retries and redeliveries that did real work.
          UpdateExpression: `SET #status = :processing, ${BY_STATUS.sortKey} = :statusKey, leaseUntil = :lease, updatedAt = :now, claims = if_not_exists(claims, :zero) + :one REMOVE #error`,
          // A failed image is final: its bytes are gone, so there is nothing to retry.
          ConditionExpression: `attribute_exists(${PK}) AND (#status = :pending OR (#status = :processing AND leaseUntil < :now))`,
          ExpressionAttributeNames: { "#status": "status", "#error": "error" },
          ExpressionAttributeValues: {
            ":processing": "processing",
            ":pending": "pending",
            ":statusKey": statusSortKey(ref, "processing"),
            ":lease": leaseUntil,
            ":now": now,
            ":zero": 0,
            ":one": 1,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return result.Attributes ? toRecord(result.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async markReady(ref: ImageRef, now: string, result: ProcessedImage): Promise<void> {
    // `exif` and `phash` only when there are some, as the fake and the API shape expect.
    const exif = result.exif ? ", exif = :x" : "";
    const phash = result.phash ? ", phash = :ph" : "";
    try {
      // The lookup item by digest in the same transaction: a ready image is always found as a duplicate.
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: imageKey(ref.id),
                UpdateExpression: `SET #status = :ready, ${BY_STATUS.sortKey} = :statusKey, updatedAt = :now, width = :w, height = :h, #format = :f, thumbnails = :t, originalEtag = :etag, checksum = :c${exif}${phash} REMOVE leaseUntil`,
                ConditionExpression: "#status = :processing",
                ExpressionAttributeNames: { "#status": "status", "#format": "format" },
                ExpressionAttributeValues: {
                  ":ready": "ready",
                  ":processing": "processing",
                  ":statusKey": statusSortKey(ref, "ready"),
                  ":now": now,
                  ":w": result.width,
                  ":h": result.height,
                  ":f": result.format,
                  ":t": result.thumbnails,
                  ":etag": result.originalEtag,
                  ":c": result.checksum,
                  ...(result.exif ? { ":x": result.exif } : {}),
                  ...(result.phash ? { ":ph": result.phash } : {}),
                },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...sha256Key(ref, result.checksum.sha256), imageId: ref.id },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (isConflict(error)) throw new ConflictError(`Image ${ref.id} is no longer being processed`);
      throw error;
    }
  }

  async markFailed(ref: ImageRef, now: string, error: { code: string; message: string }): Promise<void> {
    await this.finish(ref, "failed", failedUpdate(now, error));
  }

  async markAbandoned(
    ref: ImageRef,
    now: string,
    error: { code: string; message: string },
  ): Promise<boolean> {
    // Only when no live worker owns it: its lease has run out.
    return this.moveStatus(
      ref,
      "failed",
      "#status = :processing AND leaseUntil < :now",
      failedUpdate(now, error),
    );
  }

  async markOriginalReplaced(
    ref: ImageRef,
    now: string,
    originalEtag: string,
    error: { code: string; message: string },
  ): Promise<boolean> {
    return this.moveStatus(ref, "failed", "#status = :ready AND originalEtag = :etag", {
      UpdateExpression: `SET #status = :failed, ${BY_STATUS.sortKey} = :statusKey, updatedAt = :now, #error = :e REMOVE thumbnails`,
      ExpressionAttributeNames: { "#status": "status", "#error": "error" },
      ExpressionAttributeValues: {
        ":failed": "failed",
        ":ready": "ready",
        ":now": now,
        ":e": error,
        ":etag": originalEtag,
      },
    });
  }

  async claimAnalysis(ref: ImageRef, now: string, leaseUntil: string): Promise<ImageRecord | undefined> {
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageKey(ref.id),
          UpdateExpression: "SET analysisLeaseUntil = :lease",
          ConditionExpression:
            "#status = :ready AND analysis.#status = :pending AND (attribute_not_exists(analysisLeaseUntil) OR analysisLeaseUntil < :now)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":ready": "ready",
            ":pending": "pending",
            ":now": now,
            ":lease": leaseUntil,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return result.Attributes ? toRecord(result.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Sets a new status, when `condition` holds; returns whether it did. `:statusKey` is the status
   * index's sort key for the new status. Only that sort key changes: the index's partition key is absent
   * while the image is deleted, which keeps a deleted image out of the status index whatever its worker
   * does meanwhile.
   */
  private async moveStatus(
    ref: ImageRef,
    status: ImageRecord["status"],
    condition: string,
    update: StatusUpdate,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageKey(ref.id),
          ConditionExpression: condition,
          ...update,
          ExpressionAttributeValues: {
            ...update.ExpressionAttributeValues,
            ":statusKey": statusSortKey(ref, status),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Moves a processing image to a final status (ConflictError when it is no longer processing). */
  private async finish(ref: ImageRef, status: ImageRecord["status"], update: StatusUpdate): Promise<void> {
    const moved = await this.moveStatus(ref, status, "#status = :processing", {
      ...update,
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ":processing": "processing" },
    });
    if (!moved) throw new ConflictError(`Image ${ref.id} is no longer being processed`);
  }
}

type StatusUpdate = Pick<
  ConstructorParameters<typeof UpdateCommand>[0],
  "UpdateExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
>;

/** The update that fails an image with `error`. */
function failedUpdate(now: string, error: { code: string; message: string }): StatusUpdate {
  return {
    // A failed image is never analysed (the analysis runs on ready images only): it is `skipped`.
    UpdateExpression: `SET #status = :failed, ${BY_STATUS.sortKey} = :statusKey, updatedAt = :now, #error = :e, analysis.#status = :skipped REMOVE leaseUntil`,
    ExpressionAttributeNames: { "#status": "status", "#error": "error" },
    ExpressionAttributeValues: {
      ":failed": "failed",
      ":processing": "processing",
      ":now": now,
      ":e": error,
      ":skipped": "skipped",
    },
  };
}
