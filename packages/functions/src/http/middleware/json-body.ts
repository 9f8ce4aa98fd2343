import type { MiddlewareObj } from "@middy/core";
import type { z } from "zod";
import { HttpError } from "../errors.js";
import { findDuplicateKey } from "../json.js";
import { validate } from "../request.js";
import type { ApiEvent, ApiResult } from "../types.js";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The raw body as API Gateway passes it, before this middleware replaces it with the parsed value. */
type RawBody = { body?: string | null; isBase64Encoded?: boolean; headers?: ApiEvent["headers"] | null };

function parse<S extends z.ZodType>(event: RawBody, schema: S): z.infer<S> {
  let raw = event.body ?? "";
  if (event.isBase64Encoded) raw = Buffer.from(raw, "base64").toString("utf8");
  const type = event.headers?.["content-type"];
  if (type !== undefined && !JSON_TYPE.test(type.trim())) {
    throw new HttpError(
      415,
      "unsupported_media_type",
      "The request body must be JSON (Content-Type: application/json)",
    );
  }
  if (raw.trim() === "") throw new HttpError(400, "invalid_json", "The request body must be a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new HttpError(400, "invalid_json", "The request body is not valid JSON");
  }
  const duplicate = findDuplicateKey(raw);
  if (duplicate !== undefined) {
    throw new HttpError(
      400,
      "invalid_json",
      `The request body has the key "${duplicate.slice(0, 64)}" more than once`,
    );
  }
  return validate(schema, value, "The request body is not valid");
}

/**
 * The body parsed as strict JSON and checked against `schema`, in place of `event.body`. Not
 * @middy/http-json-body-parser: the contract answers a body that is not JSON with 400 `invalid_json`
 * (that parser: 422, as text), accepts a body sent without a Content-Type, and refuses duplicate
 * keys (json.ts), which `JSON.parse` silently resolves. Needs header names in lower case
 * (`httpHeaderNormalizer`, attached by `api()`).
 */
export function jsonBody<S extends z.ZodType>(
  schema: S,
): MiddlewareObj<ApiEvent & { body: z.infer<S> }, ApiResult> {
  return {
    before: (request) => {
      // middy's types describe the event once this middleware has run; until then `body` is a string.
      request.event.body = parse(request.event as RawBody, schema);
    },
  };
}
