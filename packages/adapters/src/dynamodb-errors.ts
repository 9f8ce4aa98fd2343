import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";

// The SDK's exception classes answer `instanceof` for errors from another copy of the SDK too (they
// compare the service's shape id), so a class check holds where a `name` check was once used for that.

/** A conditional write lost: the item was not in the state the write required. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}

/** A transaction refused, for a failed condition in one of its writes or a conflicting transaction. */
export function isTransactionCanceled(error: unknown): boolean {
  return error instanceof TransactionCanceledException;
}
