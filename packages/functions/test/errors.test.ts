/**
 * The error table (src/http/errors.ts): every domain error core exports has a status, each error keeps
 * its code and message, and what unknown errors may (not) reveal.
 */

import { AuthUnavailableError } from "@picstack/adapters";
import * as core from "@picstack/core";
import {
  AnalysisPendingError,
  ConflictError,
  DomainError,
  ImageNotDeletedError,
  ImageNotFoundError,
  ImageNotReadyError,
  ImageRejectedError,
  InvalidCursorError,
  InvalidRangeError,
  PayloadTooLargeError,
  RateLimitedError,
  RestoreWindowClosedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "@picstack/core";
import { describe, expect, it } from "vitest";
import {
  type DomainErrorClass,
  domainErrorStatus,
  HttpError,
  STATUS_BY_DOMAIN_ERROR,
  toHttpError,
} from "../src/http/errors.js";

const internal = {
  statusCode: 500,
  headers: {},
  body: { error: { code: "internal_error", message: "Something went wrong on our side; try again later" } },
};

/** Every class core exports that extends DomainError, found from the module itself, not a list. */
const exportedDomainErrors = Object.entries(core as Record<string, unknown>).filter(
  (entry): entry is [string, DomainErrorClass] =>
    typeof entry[1] === "function" && entry[1].prototype instanceof DomainError,
);

describe("the error table", () => {
  it("finds core's domain errors by iterating its exports", () => {
    // Act
    const names = exportedDomainErrors.map(([name]) => name);
    // Assess: those with their own constructor too, and never the abstract base.
    expect(names).toEqual(
      expect.arrayContaining(["ValidationError", "ImageRejectedError", "RateLimitedError"]),
    );
    expect(names).not.toContain("DomainError");
  });

  it("has a row of its own for every domain error core exports, and the lookup lands on it", () => {
    // Act: instances made without their constructors, whose arguments differ from class to class.
    const unmapped = exportedDomainErrors
      .filter(([, type]) => {
        const row = STATUS_BY_DOMAIN_ERROR.find(([rowType]) => rowType === type);
        return !row || domainErrorStatus(Object.create(type.prototype)) !== row[1];
      })
      .map(([name]) => name);
    // Assess
    expect(unmapped).toEqual([]);
  });

  it("answers a domain error without a row as a bare 500, not as the client's fault", () => {
    // Prepare
    class UnmappedError extends DomainError {
      readonly code = "unmapped";
    }
    // Act
    const answer = toHttpError(new UnmappedError("table picstack-prod-images: item USER#alice"));
    // Assess
    expect(answer).toEqual(internal);
  });
});

describe("toHttpError: domain errors", () => {
  it.each([
    ["ValidationError", 400, "validation_error", new ValidationError("bad input")],
    ["InvalidRangeError", 400, "validation_error", new InvalidRangeError("from after to")],
    ["InvalidCursorError", 400, "invalid_cursor", new InvalidCursorError()],
    [
      "ImageRejectedError",
      400,
      "corrupt_image",
      new ImageRejectedError("corrupt_image", "The image could not be decoded"),
    ],
    ["ImageNotFoundError", 404, "image_not_found", new ImageNotFoundError()],
    ["ConflictError", 409, "conflict", new ConflictError("lost a race")],
    ["ImageNotDeletedError", 409, "image_not_deleted", new ImageNotDeletedError()],
    ["ImageNotReadyError", 409, "image_not_ready", new ImageNotReadyError()],
    ["AnalysisPendingError", 409, "analysis_pending", new AnalysisPendingError()],
    ["RestoreWindowClosedError", 409, "restore_window_closed", new RestoreWindowClosedError("too late")],
    ["PayloadTooLargeError", 413, "payload_too_large", new PayloadTooLargeError("too big")],
    ["UnsupportedMediaTypeError", 415, "unsupported_media_type", new UnsupportedMediaTypeError("svg")],
    ["RateLimitedError", 429, "rate_limited", new RateLimitedError(7)],
  ])("maps %s to %i %s with its message", (_, status, code, error) => {
    // Act
    const answer = toHttpError(error);
    // Assess
    expect(answer.statusCode).toBe(status);
    expect(answer.body).toEqual({ error: { code, message: error.message } });
  });

  it("tells a rate-limited client when to retry", () => {
    // Act
    const answer = toHttpError(new RateLimitedError(7));
    // Assess
    expect(answer.headers).toEqual({ "Retry-After": "7" });
  });

  it("sends no headers for other domain errors", () => {
    // Act / Assess
    expect(toHttpError(new ImageNotFoundError()).headers).toEqual({});
    expect(toHttpError(new ConflictError("x")).headers).toEqual({});
  });

  it("passes a domain error's details to the client", () => {
    // Prepare
    const details = [{ path: "tags.3", message: "too long" }];
    // Act
    const answer = toHttpError(new ValidationError("Invalid request body", details));
    // Assess
    expect(answer.body).toEqual({
      error: { code: "validation_error", message: "Invalid request body", details },
    });
  });
});

describe("toHttpError: HTTP errors", () => {
  it("keeps status, code, message, headers and details", () => {
    // Prepare
    const error = new HttpError(
      401,
      "unauthorized",
      "Missing bearer token",
      { "WWW-Authenticate": "Bearer" },
      { hint: "log in" },
    );
    // Act
    const answer = toHttpError(error);
    // Assess
    expect(answer).toEqual({
      statusCode: 401,
      headers: { "WWW-Authenticate": "Bearer" },
      body: { error: { code: "unauthorized", message: "Missing bearer token", details: { hint: "log in" } } },
    });
  });

  it("leaves details out when there are none", () => {
    // Act
    const answer = toHttpError(new HttpError(400, "invalid_json", "The body is not JSON"));
    // Assess
    expect(answer.body.error).not.toHaveProperty("details");
    expect(answer.headers).toEqual({});
  });
});

describe("toHttpError: the key service is out", () => {
  it("answers 503 auth_unavailable with Retry-After and without the cause", () => {
    // Prepare
    const error = new AuthUnavailableError({
      cause: new TypeError("fetch failed: cognito-idp.internal:443"),
    });
    // Act
    const answer = toHttpError(error);
    // Assess
    expect(answer).toEqual({
      statusCode: 503,
      headers: { "Retry-After": String(error.retryAfterSeconds) },
      body: { error: { code: "auth_unavailable", message: error.message } },
    });
    expect(JSON.stringify(answer)).not.toContain("cognito");
  });
});

describe("toHttpError: unknown errors", () => {
  it.each([
    ["an Error", new Error("ConditionalCheckFailed on table picstack-prod-images, key pk=USER#alice")],
    ["an SDK-like error", new Error("AccessDenied: arn:aws:dynamodb:us-east-1:123:table/secret")],
    ["a TypeError", new TypeError("Cannot read properties of undefined (reading 'userId')")],
    ["a string", "boom: secret-token-123"],
    ["undefined", undefined],
    ["null", null],
    ["a plain object", { statusCode: 200, code: "ok", message: "pretend success" }],
  ])("answers %s with a bare 500 that reveals nothing", (_, thrown) => {
    // Act
    const answer = toHttpError(thrown);
    // Assess
    expect(answer).toEqual(internal);
  });

  it("does not trust an Error that merely looks like a domain error", () => {
    // Prepare
    const impostor = Object.assign(new Error("table picstack-prod missing"), {
      name: "ValidationError",
      code: "validation_error",
    });
    // Act
    const answer = toHttpError(impostor);
    // Assess
    expect(answer).toEqual(internal);
  });
});
