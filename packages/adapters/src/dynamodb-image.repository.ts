/**
 * ImageRepository on the single DynamoDB table (infrastructure/picstack.ts `table`).
 *
 * Item layout:
 * - the image record at `pk = IMAGE#{id}`, `sk = IMAGE`. While visible it is in the user index as
 *   `gsi1pk = USER#{userId}`, `gsi1sk = {createdAt}#{id}`; once soft-deleted it moves to
 *   `gsi1pk = DELETED`, `gsi1sk = {deletedAt}#{id}`, where the purge job finds it and lists never do.
 * - one tag item per tag of a visible image at `pk = IMAGE#{id}`, `sk = TAG#{tag}`, in the tag index as
 *   `gsi2pk = {userId}#{tag}`, `gsi2sk = {createdAt}#{id}`. Tag items are written in the same transaction
 *   as the record's `tags`, so the index never disagrees with the record.
 * State changes are conditional writes, so two writers can never both move one image.
 */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
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
  type ListQuery,
  type PageKey,
  type ProcessedImage,
} from "@picstack/core";
import { isConditionFailure } from "./dynamodb-errors.js";

const IMAGE_SK = "IMAGE";

export const imageKey = (id: string) => ({ pk: `IMAGE#${id}`, sk: IMAGE_SK });
export const userIndexKey = (record: Pick<ImageRecord, "userId" | "createdAt" | "id">) => ({
  gsi1pk: `USER#${record.userId}`,
  gsi1sk: `${record.createdAt}#${record.id}`,
});

const DELETED_PK = "DELETED";
const tagKey = (id: string, tag: string) => ({ pk: `IMAGE#${id}`, sk: `TAG#${tag}` });

type ImageItem = ImageRecord & { pk: string; sk: string; gsi1pk?: string; gsi1sk?: string };
type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>;

function toRecord(item: Record<string, unknown>): ImageRecord {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g1s, ...record } = item as unknown as ImageItem;
  return record;
}

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
    const item: ImageItem = { ...imageKey(record.id), ...userIndexKey(record), ...record };
    try {
      await this.transact([
        { Put: { TableName: this.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
        ...this.putTags(record, record.tags),
      ]);
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`Image ${record.id} exists`);
      throw error;
    }
  }

  async saveAnalysis(
    record: ImageRecord,
    now: string,
    analysis: ImageAnalysis,
    tags: string[],
  ): Promise<void> {
    const added = tags.filter((t) => !record.tags.includes(t));
    await this.transactOrConflict(
      [
        {
          Update: {
            TableName: this.tableName,
            Key: imageKey(record.id),
            UpdateExpression:
              "SET analysis = :analysis, tags = :tags, updatedAt = :now REMOVE analysisLeaseUntil",
            ConditionExpression: "attribute_exists(pk) AND tags = :oldTags",
            ExpressionAttributeValues: {
              ":analysis": analysis,
              ":tags": tags,
              ":now": now,
              ":oldTags": record.tags,
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

  async list(query: ListQuery): Promise<{ items: ImageRecord[]; next?: PageKey }> {
    const byTag = query.tag !== undefined;
    const [pkName, skName, pkValue] = byTag
      ? ["gsi2pk", "gsi2sk", `${query.userId}#${query.tag}`]
      : ["gsi1pk", "gsi1sk", `USER#${query.userId}`];
    const kept: Array<{ record: ImageRecord; key: PageKey }> = [];
    let start: PageKey | undefined = query.after;
    // Filters apply after DynamoDB's Limit, so one page may take several queries; one item more than
    // the limit tells whether another page exists without handing out a cursor to an empty page.
    while (kept.length <= query.limit) {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: byTag ? "byTag" : "byUser",
          KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :lo AND :hi",
          ExpressionAttributeNames: { "#pk": pkName, "#sk": skName },
          ExpressionAttributeValues: {
            ":pk": pkValue,
            ":lo": query.from ?? EARLIEST,
            ":hi": `${query.to ?? LATEST}#${RANGE_END}`,
          },
          ScanIndexForward: query.order === "asc",
          Limit: query.limit + 1 - kept.length,
          ExclusiveStartKey: start,
        }),
      );
      const items = result.Items ?? [];
      const records = byTag ? await this.recordsOf(items.map((i) => i.pk as string)) : items.map(toRecord);
      items.forEach((item, index) => {
        const record = records[index];
        if (!record || record.deletedAt || (query.status && record.status !== query.status)) return;
        kept.push({
          record,
          key: { pk: item.pk, sk: item.sk, [pkName]: item[pkName], [skName]: item[skName] } as PageKey,
        });
      });
      start = result.LastEvaluatedKey as PageKey | undefined;
      if (!start) break;
    }
    const page = kept.slice(0, query.limit);
    const more = kept.length > query.limit;
    const last = page.at(-1);
    return { items: page.map((p) => p.record), ...(more && last ? { next: last.key } : {}) };
  }

  /** Image records for tag-index hits, in the same order (`undefined` where one is gone). */
  private async recordsOf(pks: string[]): Promise<Array<ImageRecord | undefined>> {
    if (pks.length === 0) return [];
    const found = new Map<string, ImageRecord>();
    let keys: Array<Record<string, unknown>> | undefined = [...new Set(pks)].map((pk) => ({
      pk,
      sk: IMAGE_SK,
    }));
    for (let round = 0; keys && keys.length > 0 && round < 5; round++) {
      const result: BatchGetCommandOutput = await this.db.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[this.tableName] ?? [])
        found.set(item.pk as string, toRecord(item));
      keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
    }
    if (keys && keys.length > 0) throw new Error("DynamoDB left keys unprocessed after retries");
    return pks.map((pk) => found.get(pk));
  }

  async updateDetails(record: ImageRecord, now: string, changes: DetailChanges): Promise<ImageRecord> {
    const sets = ["updatedAt = :now"];
    const values: Record<string, unknown> = { ":now": now, ":user": record.userId };
    const conditions = ["attribute_exists(pk)", "attribute_not_exists(deletedAt)", "userId = :user"];
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
            UpdateExpression: "SET deletedAt = :now, updatedAt = :now, gsi1pk = :deleted, gsi1sk = :sk",
            ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(deletedAt) AND tags = :tags",
            ExpressionAttributeValues: {
              ":now": now,
              ":deleted": DELETED_PK,
              ":sk": `${now}#${record.id}`,
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
    await this.transactOrConflict(
      [
        {
          Update: {
            TableName: this.tableName,
            Key: imageKey(record.id),
            UpdateExpression: "SET updatedAt = :now, gsi1pk = :pk, gsi1sk = :sk REMOVE deletedAt",
            ConditionExpression: "deletedAt = :deletedAt",
            ExpressionAttributeValues: {
              ":now": now,
              ":deletedAt": record.deletedAt,
              ":pk": visible.gsi1pk,
              ":sk": visible.gsi1sk,
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
        IndexName: "byUser",
        KeyConditionExpression: "gsi1pk = :deleted AND gsi1sk < :before",
        ExpressionAttributeValues: { ":deleted": DELETED_PK, ":before": before },
        ScanIndexForward: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map(toRecord);
  }

  async purge(record: ImageRecord): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: imageKey(record.id),
          ConditionExpression: "deletedAt = :deletedAt",
          ExpressionAttributeValues: { ":deletedAt": record.deletedAt },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`Image ${record.id} was restored meanwhile`);
      throw error;
    }
  }

  private putTags(record: ImageRecord, tags: string[]): TransactItems {
    return tags.map((tag) => ({
      Put: {
        TableName: this.tableName,
        Item: {
          ...tagKey(record.id, tag),
          gsi2pk: `${record.userId}#${tag}`,
          gsi2sk: `${record.createdAt}#${record.id}`,
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
      if (isConditionFailure(error) || (error as Error)?.name === "TransactionCanceledException") {
        throw new ConflictError(`Image ${id} changed meanwhile; read it again and retry`);
      }
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
    const { id } = ref;
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageKey(id),
          // `claims` counts the times work started on the image: operators (and the reliability suite)
          // see retries and redeliveries that did real work.
          UpdateExpression:
            "SET #status = :processing, leaseUntil = :lease, updatedAt = :now, claims = if_not_exists(claims, :zero) + :one REMOVE #error",
          // A failed image is final: its bytes are gone, so there is nothing to retry.
          ConditionExpression:
            "attribute_exists(pk) AND (#status = :pending OR (#status = :processing AND leaseUntil < :now))",
          ExpressionAttributeNames: { "#status": "status", "#error": "error" },
          ExpressionAttributeValues: {
            ":processing": "processing",
            ":pending": "pending",
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
    // `exif` only when the original had some, as the fake and the API shape expect.
    const exif = result.exif ? ", exif = :x" : "";
    await this.finish(ref.id, {
      UpdateExpression: `SET #status = :ready, updatedAt = :now, width = :w, height = :h, #format = :f, thumbnails = :t, originalEtag = :etag${exif} REMOVE leaseUntil`,
      ExpressionAttributeNames: { "#status": "status", "#format": "format" },
      ExpressionAttributeValues: {
        ":ready": "ready",
        ":processing": "processing",
        ":now": now,
        ":w": result.width,
        ":h": result.height,
        ":f": result.format,
        ":t": result.thumbnails,
        ":etag": result.originalEtag,
        ...(result.exif ? { ":x": result.exif } : {}),
      },
    });
  }

  async markFailed(ref: ImageRef, now: string, error: { code: string; message: string }): Promise<void> {
    await this.finish(ref.id, {
      UpdateExpression: "SET #status = :failed, updatedAt = :now, #error = :e REMOVE leaseUntil",
      ExpressionAttributeNames: { "#status": "status", "#error": "error" },
      ExpressionAttributeValues: {
        ":failed": "failed",
        ":processing": "processing",
        ":now": now,
        ":e": error,
      },
    });
  }

  async markAbandoned(
    ref: ImageRef,
    now: string,
    error: { code: string; message: string },
  ): Promise<boolean> {
    return this.conditionalUpdate(ref.id, {
      UpdateExpression: "SET #status = :failed, updatedAt = :now, #error = :e REMOVE leaseUntil",
      // Only when no live worker owns it: its lease has run out.
      ConditionExpression: "#status = :processing AND leaseUntil < :now",
      ExpressionAttributeNames: { "#status": "status", "#error": "error" },
      ExpressionAttributeValues: {
        ":failed": "failed",
        ":processing": "processing",
        ":now": now,
        ":e": error,
      },
    });
  }

  async markOriginalReplaced(
    ref: ImageRef,
    now: string,
    originalEtag: string,
    error: { code: string; message: string },
  ): Promise<boolean> {
    return this.conditionalUpdate(ref.id, {
      UpdateExpression: "SET #status = :failed, updatedAt = :now, #error = :e REMOVE thumbnails",
      ConditionExpression: "#status = :ready AND originalEtag = :etag",
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

  /** An update whose condition decides whether it applies; returns whether it did. */
  private async conditionalUpdate(
    id: string,
    update: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      "UpdateExpression" | "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
    >,
  ): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.tableName, Key: imageKey(id), ...update }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async finish(
    id: string,
    update: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      "UpdateExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
    >,
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageKey(id),
          ConditionExpression: "#status = :processing",
          ...update,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`Image ${id} is no longer being processed`);
      throw error;
    }
  }
}
