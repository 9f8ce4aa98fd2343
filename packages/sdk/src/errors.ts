/** Errors the SDK throws. Every API failure is a `PicstackError` with the API's stable `code`. */

/** The codes the API answers with (see the contract); other codes may be added, so the type stays open. */
export type ApiErrorCode =
  | "validation_error"
  | "invalid_json"
  | "invalid_cursor"
  | "unauthorized"
  | "image_not_found"
  | "conflict"
  | "image_not_deleted"
  | "image_not_ready"
  | "analysis_pending"
  | "semantic_unavailable"
  | "restore_window_closed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "internal_error"
  | "service_unavailable"
  | (string & {});

export class PicstackError extends Error {
  /** HTTP status; 0 when no answer arrived (network failure). */
  readonly status: number;
  readonly code: ApiErrorCode;
  /** Seconds the server asked us to wait (429), when it said. */
  readonly retryAfterSeconds?: number;
  readonly details?: unknown;

  constructor(
    status: number,
    code: ApiErrorCode,
    message: string,
    extra: { retryAfterSeconds?: number; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "PicstackError";
    this.status = status;
    this.code = code;
    if (extra.retryAfterSeconds !== undefined) this.retryAfterSeconds = extra.retryAfterSeconds;
    if (extra.details !== undefined) this.details = extra.details;
  }
}

/** Storage refused the presigned upload (expired, wrong type or size, signature) or could not be reached. */
export class UploadError extends PicstackError {
  constructor(status: number, message: string, cause?: unknown) {
    super(status, status === 0 ? "upload_network_error" : "upload_refused", message, { cause });
    this.name = "UploadError";
  }
}

/** A local check refused a file before anything was sent. */
export class FileRejectedError extends PicstackError {
  constructor(code: "unsupported_media_type" | "payload_too_large" | "empty_file", message: string) {
    super(0, code, message);
    this.name = "FileRejectedError";
  }
}

/** The image ended `failed`; `image.error` says why. */
export class ImageFailedError extends PicstackError {
  readonly image: import("./types.js").Image;
  constructor(image: import("./types.js").Image) {
    super(
      0,
      image.error?.code ?? "image_failed",
      `${image.filename} failed: ${image.error?.message ?? "no reason given"}`,
    );
    this.name = "ImageFailedError";
    this.image = image;
  }
}

/** A wait ran past its deadline. */
export class WaitTimeoutError extends PicstackError {
  constructor(message: string) {
    super(0, "timeout", message);
    this.name = "WaitTimeoutError";
  }
}

/**
 * A `semantic` search on a server without an embedding provider (409 `semantic_unavailable`). Search
 * with `mode: "hybrid"` (the default) or `"text"` instead: hybrid falls back to text there.
 */
export class SemanticUnavailableError extends PicstackError {
  constructor(message: string, extra: { details?: unknown } = {}) {
    super(409, "semantic_unavailable", message, extra);
    this.name = "SemanticUnavailableError";
  }
}
