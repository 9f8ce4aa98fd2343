/**
 * A user's library at real size for the list tests, the reliability suite and the bench: records with a
 * realistic status mix and tags, written through the real repository (its `create`, as the API does,
 * without the API's write rate limit), plus a DynamoDB client that counts the calls of each list request.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DynamoImageRepository } from "@picstack/adapters/dynamodb";
import { type ImageRecord, type ImageStatus, newImageId } from "@picstack/core";

export const LIBRARY_START = Date.parse("2026-01-01T00:00:00.000Z");
/** One image a minute from LIBRARY_START. */
export const LIBRARY_STEP_MS = 60_000;

/** 80 % ready, 10 % failed, 5 % pending, 5 % processing, spread evenly. */
export function statusOf(i: number): ImageStatus {
  const r = i % 20;
  if (r === 0) return "pending";
  if (r === 1) return "processing";
  if (r === 2 || r === 3) return "failed";
  return "ready";
}

export interface LibraryOptions {
  /** Tags of the i-th image. Default: `common` on every third, `rare` on one in fifty. */
  tags?: (i: number) => string[];
  status?: (i: number) => ImageStatus;
}

export function defaultTags(i: number): string[] {
  const tags: string[] = [];
  if (i % 3 === 0) tags.push("common");
  if (i % 50 === 7) tags.push("rare");
  return tags;
}

export function libraryRecords(userId: string, count: number, options: LibraryOptions = {}): ImageRecord[] {
  const tagsOf = options.tags ?? defaultTags;
  const status = options.status ?? statusOf;
  return Array.from({ length: count }, (_, i) => {
    const created = new Date(LIBRARY_START + i * LIBRARY_STEP_MS);
    const id = newImageId(created);
    const createdAt = created.toISOString();
    const s = status(i);
    const record: ImageRecord = {
      id,
      userId,
      status: s,
      filename: `photo-${i}.jpg`,
      contentType: "image/jpeg",
      size: 1000 + i,
      originalKey: `images/${createdAt.slice(0, 4)}/${createdAt.slice(5, 7)}/${id}.jpg`,
      createdAt,
      updatedAt: createdAt,
      note: null,
      tags: tagsOf(i),
      analysis: { status: s === "ready" ? "done" : s === "failed" ? "skipped" : "pending", tags: [] },
      ...(s === "ready" ? { width: 400, height: 300, format: "jpeg" } : {}),
      ...(s === "failed"
        ? { error: { code: "corrupt_image", message: "The file is not a readable image" } }
        : {}),
      ...(s === "processing" ? { leaseUntil: "2099-01-01T00:00:00.000Z" } : {}),
    };
    return record;
  });
}

/** Writes the records through the repository, `concurrency` at a time. */
export async function seedLibrary(
  repository: DynamoImageRepository,
  records: ImageRecord[],
  concurrency = 16,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < records.length) {
        const record = records[next++] as ImageRecord;
        await repository.create(record);
      }
    }),
  );
}

/** A document client whose every request is counted; `calls()` since the last `reset()`. */
export function countingDocuments(config: DynamoDBClientConfig) {
  const client = new DynamoDBClient(config);
  let count = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      count++;
      return next(args);
    },
    // Before retries: one count per request the code sends, whatever the SDK retries underneath.
    { step: "initialize", name: "countCalls" },
  );
  return {
    documents: DynamoDBDocumentClient.from(client),
    calls: () => count,
    reset: () => {
      count = 0;
    },
  };
}
