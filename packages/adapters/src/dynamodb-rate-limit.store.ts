/**
 * Token-bucket state in the single table at `pk = RATE#{userId}#{class}`, `sk = BUCKET` (the declaration's
 * `table.keys`), with a TTL-free item per user and class. IAM lets the rate limiter touch these items only.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { BucketState, RateLimitStore } from "@picstack/core";
import { table } from "@picstack/infrastructure";
import { isConditionFailure } from "./dynamodb-errors.js";

const { partitionKey: PK, sortKey: SK, keys: KEYS } = table;
const bucketKey = (key: string) => ({ [PK]: `${KEYS.rateLimit}${key}`, [SK]: KEYS.rateLimitBucket });

export class DynamoRateLimitStore implements RateLimitStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(key: string): Promise<BucketState | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: bucketKey(key),
        ConsistentRead: true,
      }),
    );
    const item = result.Item;
    return item
      ? { tokens: item.tokens as number, at: item.at as number, version: item.v as number }
      : undefined;
  }

  /** The item is still the one read: same write counter (items written before it existed: same time). */
  private unchanged(previous: BucketState) {
    return previous.version === undefined
      ? {
          ConditionExpression: "attribute_not_exists(v) AND #at = :at",
          ExpressionAttributeNames: { "#at": "at" },
          ExpressionAttributeValues: { ":at": previous.at },
        }
      : { ConditionExpression: "v = :v", ExpressionAttributeValues: { ":v": previous.version } };
  }

  async compareAndSet(key: string, previous: BucketState | undefined, next: BucketState): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...bucketKey(key),
            tokens: next.tokens,
            at: next.at,
            v: (previous?.version ?? 0) + 1,
          },
          ...(previous ? this.unchanged(previous) : { ConditionExpression: `attribute_not_exists(${PK})` }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) {
        return false;
      }
      throw error;
    }
  }
}
