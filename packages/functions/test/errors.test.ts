import {
  ConflictError,
  ImageNotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "@picstack/core";
import { describe, expect, it } from "vitest";
import { HttpError, toHttpError } from "../src/http/errors.js";

describe("toHttpError", () => {
  it.each([
    [new ValidationError("bad"), 400, "validation_error"],
    [new ImageNotFoundError(), 404, "image_not_found"],
    [new ConflictError("race"), 409, "conflict"],
    [new PayloadTooLargeError("big"), 413, "payload_too_large"],
    [new UnsupportedMediaTypeError("svg"), 415, "unsupported_media_type"],
  ])("maps %s to its status and code", (error, status, code) => {
    const answer = toHttpError(error);
    expect(answer.statusCode).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(answer.body.error.message).toBe(error.message);
  });

  it("keeps an HTTP error's headers", () => {
    const answer = toHttpError(new HttpError(429, "rate_limited", "slow down", { "Retry-After": "3" }));
    expect(answer).toMatchObject({ statusCode: 429, headers: { "Retry-After": "3" } });
  });

  it("answers unknown errors with a bare 500 that leaks nothing", () => {
    const answer = toHttpError(new Error("AccessDenied: arn:aws:dynamodb:us-east-1:123:table/secret"));
    expect(answer.statusCode).toBe(500);
    expect(answer.body.error.code).toBe("internal_error");
    expect(JSON.stringify(answer.body)).not.toContain("arn:aws");
  });
});
