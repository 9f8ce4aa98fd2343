import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/** A conditional write lost: the item was not in the state the write required. */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as Error)?.name === "ConditionalCheckFailedException"
  );
}
