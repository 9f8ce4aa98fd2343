/** HTTP errors and the one table that maps domain errors to status codes. */
import { AuthUnavailableError } from "@picstack/adapters";
import {
  AnalysisPendingError,
  ConflictError,
  DomainError,
  ImageNotDeletedError,
  ImageNotFoundError,
  ImageNotReadyError,
  InvalidCursorError,
  PayloadTooLargeError,
  RateLimitedError,
  RestoreWindowClosedError,
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

const STATUS_BY_DOMAIN_ERROR: ReadonlyArray<[new (...args: never[]) => DomainError, number]> = [
  [ValidationError, 400],
  [InvalidCursorError, 400],
  [ImageNotFoundError, 404],
  [ConflictError, 409],
  [ImageNotDeletedError, 409],
  [ImageNotReadyError, 409],
  [AnalysisPendingError, 409],
  [RestoreWindowClosedError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [RateLimitedError, 429],
];

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Status, headers and body for any thrown value. Unknown errors become a bare 500. */
export function toHttpError(error: unknown): {
  statusCode: number;
  headers: Record<string, string>;
  body: ErrorBody;
} {
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
    const status = STATUS_BY_DOMAIN_ERROR.find(([type]) => error instanceof type)?.[1] ?? 400;
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    const headers: Record<string, string> =
      error instanceof RateLimitedError ? { "Retry-After": String(error.retryAfterSeconds) } : {};
    return { statusCode: status, headers, body };
  }
  return {
    statusCode: 500,
    headers: {},
    body: { error: { code: "internal_error", message: "Something went wrong on our side; try again later" } },
  };
}
