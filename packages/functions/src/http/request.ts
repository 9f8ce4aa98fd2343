/** Reading the parts of a request that are not the body: query string and path parameters. */
import { IMAGE_ID_PATTERN, ImageNotFoundError } from "@picstack/core";
import type { z } from "zod";
import { HttpError } from "./errors.js";
import type { ApiEvent } from "./types.js";

/** `value` checked against `schema`, or a 400 `validation_error` listing each problem by path. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, message: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw new HttpError(400, "validation_error", message, {}, issues);
  }
  return parsed.data;
}

/** Query-string parameters validated by `schema`; unknown or repeated parameters are refused. */
export function parseQuery<S extends z.ZodType>(
  event: Pick<ApiEvent, "queryStringParameters" | "multiValueQueryStringParameters">,
  schema: S,
): z.infer<S> {
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {}).find(
    ([, v]) => (v?.length ?? 0) > 1,
  );
  if (repeated) {
    throw new HttpError(400, "validation_error", `Query parameter ${repeated[0]} is given more than once`);
  }
  return validate(schema, event.queryStringParameters ?? {}, "The query string is not valid");
}

/** The `{id}` path parameter; a malformed id cannot exist, so it answers like a missing image. */
export function imageIdParam(event: Pick<ApiEvent, "pathParameters">): string {
  const id = event.pathParameters?.id ?? "";
  if (!IMAGE_ID_PATTERN.test(id)) throw new ImageNotFoundError();
  return id;
}
