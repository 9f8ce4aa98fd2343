/**
 * Where a user's search index lives in the table (infrastructure/picstack.ts `table.keys`, docs/search.md):
 * partition `SEARCH#{userId}` holds the index's state at `META` and one pending change per image at
 * `DOC#{imageId}`, until a compaction folds it into the snapshot in S3.
 *
 * The image repository writes a pending change in the same transaction as every record change that
 * alters what search knows, so the index can never miss one. Each write adds 1 to the item's `rev`: a
 * compaction deletes an item it folded only if `rev` is still what it read, so a change made during a
 * compaction stays pending, even one within the same millisecond (same `version`).
 */
import type { ImageRecord, SearchDoc } from "@picstack/core";
import { table } from "@picstack/infrastructure";

const { partitionKey: PK, sortKey: SK, keys: KEYS } = table;

export const searchPartition = (userId: string) => {
  if (userId.length === 0 || userId.includes(table.separator)) {
    throw new Error(`A user id must be non-empty and must not contain '${table.separator}'`);
  }
  return `${KEYS.search}${userId}`;
};
export const searchDocKey = (userId: string, imageId: string) => ({
  [PK]: searchPartition(userId),
  [SK]: `${KEYS.searchDoc}${imageId}`,
});
export const searchMetaKey = (userId: string) => ({ [PK]: searchPartition(userId), [SK]: KEYS.searchMeta });

/** What search should know of an image: its document, or that it is gone. */
export type SearchChange = { doc: SearchDoc } | { removed: true };

/** Only ready images that are not deleted are searched. */
export const isSearchable = (record: ImageRecord) => record.status === "ready" && !record.deletedAt;

/** The transaction item that records `change` for `imageId` as pending, at `version` (the record's updatedAt). */
export function pendingSearchChange(
  tableName: string,
  userId: string,
  imageId: string,
  change: SearchChange,
  version: string,
) {
  const isDoc = "doc" in change;
  return {
    Update: {
      TableName: tableName,
      Key: searchDocKey(userId, imageId),
      // The document as JSON text: one attribute, not a map of lists of numbers (an embedding would be
      // hundreds of number values to marshal).
      UpdateExpression: isDoc
        ? "SET #doc = :doc, version = :v, imageId = :id REMOVE removed ADD rev :one"
        : "SET removed = :true, version = :v, imageId = :id REMOVE #doc ADD rev :one",
      ExpressionAttributeNames: { "#doc": "doc" },
      ExpressionAttributeValues: {
        ...(isDoc ? { ":doc": JSON.stringify(change.doc) } : { ":true": true }),
        ":v": version,
        ":id": imageId,
        ":one": 1,
      },
    },
  };
}
