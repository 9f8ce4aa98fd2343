/**
 * HTTP errors and the one table that maps domain errors to status codes. Errors are matched by class
 * (`instanceof`), never by `name`: a name is a string anyone can set, a class is a promise of the code's
 * own making. test/errors.test.ts fails when a `DomainError` that core exports has no row here.
 */
import { AuthUnavailableError } from "@picstack/adapters";
import {
  AnalysisPendingError,
  ConflictError,
  DomainError,
  EmbeddingUnavailableError,
  ImageNotDeletedError,
  ImageNotFoundError,
  ImageNotReadyError,
  ImageRejectedError,
  InvalidCursorError,
  InvalidRangeError,
  PayloadTooLargeError,
  RateLimitedError,
  RestoreWindowClosedError,
  SemanticUnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "@picstack/core";

/** An error the HTTP layer raises itself (auth, body parsing); its message is safe to send. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export type DomainErrorClass = abstract new (...args: never[]) => DomainError;

/**
 * Every domain error's status; the first row the error is an `instanceof` wins, so a subclass goes above
 * its parent. A domain error without a row is a bug, answered as a 500 (see `toHttpError`).
 */
export const STATUS_BY_DOMAIN_ERROR: ReadonlyArray<readonly [DomainErrorClass, number]> = [
  [ValidationError, 400],
  [InvalidRangeError, 400],
  [InvalidCursorError, 400],
  // Raised by the upload pipeline once it has read the bytes, which records it on the image; no route
  // raises it today. Should one ever do, the client sent a file that is not what it declared: a 400.
  [ImageRejectedError, 400],
  [ImageNotFoundError, 404],
  [ConflictError, 409],
  [ImageNotDeletedError, 409],
  [ImageNotReadyError, 409],
  [AnalysisPendingError, 409],
  [RestoreWindowClosedError, 409],
  [SemanticUnavailableError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [RateLimitedError, 429],
  // The embedding provider failed a `semantic` search: retry later (a `hybrid` one falls back to text).
  [EmbeddingUnavailableError, 503],
];

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export interface HttpErrorAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: ErrorBody;
}

const internalError = (): HttpErrorAnswer => ({
  statusCode: 500,
  headers: {},
  body: { error: { code: "internal_error", message: "Something went wrong on our side; try again later" } },
});

/** The status of a domain error, or undefined when the table has no row for it. */
export function domainErrorStatus(error: DomainError): number | undefined {
  return STATUS_BY_DOMAIN_ERROR.find(([type]) => error instanceof type)?.[1];
}

/**
 * Status, headers and body for any thrown value. Unknown errors, and domain errors missing from the
 * table, become a bare 500 whose body says nothing about the cause.
 */
export function toHttpError(error: unknown): HttpErrorAnswer {
  if (error instanceof HttpError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    return { statusCode: error.statusCode, headers: error.headers, body };
  }
  if (error instanceof AuthUnavailableError) {
    return {
      statusCode: 503,
      headers: { "Retry-After": String(error.retryAfterSeconds) },
      body: { error: { code: "auth_unavailable", message: error.message } },
    };
  }
  if (error instanceof DomainError) {
    const statusCode = domainErrorStatus(error);
    if (statusCode === undefined) return internalError();
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    const headers: Record<string, string> =
      error instanceof RateLimitedError ? { "Retry-After": String(error.retryAfterSeconds) } : {};
    return { statusCode, headers, body };
  }
  return internalError();
}
