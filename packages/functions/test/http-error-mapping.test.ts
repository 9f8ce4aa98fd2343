/** Every domain error's status and code, and what unknown errors may (not) reveal. */

import { AuthUnavailableError } from "@picstack/adapters";
import {
  AnalysisPendingError,
  ConflictError,
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
import { HttpError, toHttpError } from "../src/http/errors.js";

describe("toHttpError: domain errors", () => {
  it.each([
    ["ValidationError", new ValidationError("bad input"), 400, "validation_error"],
    ["InvalidRangeError", new InvalidRangeError("from after to"), 400, "validation_error"],
    ["InvalidCursorError", new InvalidCursorError(), 400, "invalid_cursor"],
    ["ImageNotFoundError", new ImageNotFoundError(), 404, "image_not_found"],
    ["ConflictError", new ConflictError("lost a race"), 409, "conflict"],
    ["ImageNotDeletedError", new ImageNotDeletedError(), 409, "image_not_deleted"],
    ["ImageNotReadyError", new ImageNotReadyError(), 409, "image_not_ready"],
    ["AnalysisPendingError", new AnalysisPendingError(), 409, "analysis_pending"],
    ["RestoreWindowClosedError", new RestoreWindowClosedError("too late"), 409, "restore_window_closed"],
    ["PayloadTooLargeError", new PayloadTooLargeError("too big"), 413, "payload_too_large"],
    ["UnsupportedMediaTypeError", new UnsupportedMediaTypeError("svg"), 415, "unsupported_media_type"],
    ["RateLimitedError", new RateLimitedError(7), 429, "rate_limited"],
  ])("maps %s to %i %s with its message", (_, error, status, code) => {
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

  it("answers a domain error without a table entry with 400 and its own code", () => {
    // Act
    const answer = toHttpError(new ImageRejectedError("corrupt_image", "The image could not be decoded"));
    // Assess
    expect(answer.statusCode).toBe(400);
    expect(answer.body.error.code).toBe("corrupt_image");
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
      {
        hint: "log in",
      },
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
  const internal = {
    statusCode: 500,
    headers: {},
    body: { error: { code: "internal_error", message: "Something went wrong on our side; try again later" } },
  };

  it.each([
    ["an Error", new Error("ConditionalCheckFailed on table picstack-prod-images, key pk=USER#alice")],
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
