/**
 * ImageRepository on the single DynamoDB table (infrastructure/picstack.ts `table`).
 *
 * Item layout: the image record at `pk = IMAGE#{id}`, `sk = IMAGE`, with `gsi1pk = USER#{userId}` and
 * `gsi1sk = {createdAt}#{id}` for the user index. State changes are conditional writes, so two workers
 * can never both move one image.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, type ImageRecord, type ImageRepository, type ProcessedImage } from "@picstack/core";

const IMAGE_SK = "IMAGE";

export const imageKey = (id: string) => ({ pk: `IMAGE#${id}`, sk: IMAGE_SK });
export const userIndexKey = (record: Pick<ImageRecord, "userId" | "createdAt" | "id">) => ({
  gsi1pk: `USER#${record.userId}`,
  gsi1sk: `${record.createdAt}#${record.id}`,
});

type ImageItem = ImageRecord & { pk: string; sk: string; gsi1pk?: string; gsi1sk?: string };

function toRecord(item: Record<string, unknown>): ImageRecord {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g1s, ...record } = item as unknown as ImageItem;
  return record;
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as Error)?.name === "ConditionalCheckFailedException"
  );
}

export class DynamoImageRepository implements ImageRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(record: ImageRecord): Promise<void> {
    const item: ImageItem = { ...imageKey(record.id), ...userIndexKey(record), ...record };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`Image ${record.id} exists`);
      throw error;
    }
  }

  async get(id: string): Promise<ImageRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: imageKey(id), ConsistentRead: true }),
    );
    return result.Item ? toRecord(result.Item) : undefined;
  }

  async claimForProcessing(id: string, now: string, leaseUntil: string): Promise<ImageRecord | undefined> {
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageKey(id),
          UpdateExpression: "SET #status = :processing, leaseUntil = :lease, updatedAt = :now",
          ConditionExpression:
            "attribute_exists(pk) AND (#status = :pending OR (#status = :processing AND leaseUntil < :now))",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":processing": "processing",
            ":pending": "pending",
            ":lease": leaseUntil,
            ":now": now,
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

  async markReady(id: string, now: string, result: ProcessedImage): Promise<void> {
    await this.finish(id, {
      UpdateExpression:
        "SET #status = :ready, updatedAt = :now, width = :w, height = :h, #format = :f, thumbnails = :t REMOVE leaseUntil",
      ExpressionAttributeNames: { "#status": "status", "#format": "format" },
      ExpressionAttributeValues: {
        ":ready": "ready",
        ":processing": "processing",
        ":now": now,
        ":w": result.width,
        ":h": result.height,
        ":f": result.format,
        ":t": result.thumbnails,
      },
    });
  }

  async markFailed(id: string, now: string, error: { code: string; message: string }): Promise<void> {
    await this.finish(id, {
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
