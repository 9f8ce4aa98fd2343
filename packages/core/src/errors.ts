/**
 * Domain errors. Each has a stable snake_case `code` that clients see; the HTTP layer maps classes to
 * status codes (packages/functions/src/http/errors.ts). The core never speaks HTTP.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** Extra, client-safe detail (for example which fields failed validation). */
  readonly details: unknown;

  constructor(message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class ValidationError extends DomainError {
  readonly code = "validation_error";
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly code = "unsupported_media_type";
}

export class PayloadTooLargeError extends DomainError {
  readonly code = "payload_too_large";
}

export class ImageNotFoundError extends DomainError {
  readonly code = "image_not_found";
  constructor() {
    super("No image with that id");
  }
}

/** A write lost a race with another writer (conditional check failed). */
export class ConflictError extends DomainError {
  readonly code = "conflict";
}

/**
 * Why an uploaded file was refused after its bytes were checked. The codes end up on the image as
 * `error.code`.
 */
export type ImageRejectionCode =
  | "unsupported_format"
  | "corrupt_image"
  | "too_many_pixels"
  | "size_mismatch"
  | "checksum_mismatch";

export class ImageRejectedError extends DomainError {
  readonly code: ImageRejectionCode;
  constructor(code: ImageRejectionCode, message: string) {
    super(message);
    this.code = code;
  }
}
