/**
 * The middleware chain every HTTP handler runs through (middy): logging with request and user ids,
 * CORS headers on every answer, bearer-token auth, strict JSON bodies, and one error model.
 *
 * @example
 * export const handler = http(
 *   { auth: true, rateLimit: "write", body: createImageInput },
 *   async ({ userId, body }) => json(201, await createUpload(deps, userId, body)),
 * );
 */
import { Logger } from "@aws-lambda-powertools/logger";
import middy from "@middy/core";
import { IMAGE_ID_PATTERN, ImageNotFoundError, type RouteClass, takeToken } from "@picstack/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import type { z } from "zod";
import { config } from "../config.js";
import { rateLimitStore, tokenVerifier } from "../wiring.js";
import { HttpError, toHttpError } from "./errors.js";
import { header } from "./headers.js";
import { findDuplicateKey } from "./json.js";

export const logger = new Logger({ serviceName: "picstack-api" });

export interface HttpRequest<Body> {
  event: APIGatewayProxyEvent;
  context: Context;
  /** The token's `sub`; empty for public routes. */
  userId: string;
  body: Body;
  pathParameters: Record<string, string>;
}

export type HttpResult = APIGatewayProxyResult;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", ...headers },
    body: body === undefined ? "" : JSON.stringify(body),
  };
}

function corsHeaders(): Record<string, string> {
  return {
    "Access-Control-Allow-Origin": config().webOrigin,
    "Access-Control-Allow-Credentials": "false",
    Vary: "Origin",
  };
}

async function authenticate(event: APIGatewayProxyEvent): Promise<string> {
  const value = header(event, "authorization");
  // Real tokens are well under 8 KiB; do not spend verification work on anything larger.
  if (value && value.length > 8192) {
    throw new HttpError(401, "unauthorized", "The bearer token is too large", {
      "WWW-Authenticate": "Bearer",
    });
  }
  const match = value ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(value.trim()) : null;
  if (!match?.[1]) {
    throw new HttpError(401, "unauthorized", "A bearer token is required", { "WWW-Authenticate": "Bearer" });
  }
  try {
    return (await tokenVerifier()(match[1])).userId;
  } catch (error) {
    if ((error as Error).name === "InvalidTokenError") {
      throw new HttpError(401, "unauthorized", (error as Error).message, {
        "WWW-Authenticate": 'Bearer error="invalid_token"',
      });
    }
    throw error;
  }
}

function parseBody<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.infer<S> {
  let raw = event.body ?? "";
  if (event.isBase64Encoded) raw = Buffer.from(raw, "base64").toString("utf8");
  const type = header(event, "content-type");
  if (type !== undefined && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type.trim())) {
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

/** `value` checked against `schema`, or a 400 `validation_error` listing each problem by path. */
function validate<S extends z.ZodType>(schema: S, value: unknown, message: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw new HttpError(400, "validation_error", message, {}, issues);
  }
  return parsed.data;
}

export type HttpOptions<S extends z.ZodType | undefined> = {
  body?: S;
} & (
  | {
      /** A valid bearer token is required (every route but health and the OpenAPI document). */
      auth: true;
      /** The caller's token bucket this route takes from (policies in `PICSTACK_RATE_LIMITS`). */
      rateLimit: RouteClass;
    }
  | { auth: false }
);

/** Query-string parameters validated by `schema`; unknown or repeated parameters are refused. */
export function parseQuery<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.infer<S> {
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {}).find(
    ([, v]) => (v?.length ?? 0) > 1,
  );
  if (repeated) {
    throw new HttpError(400, "validation_error", `Query parameter ${repeated[0]} is given more than once`);
  }
  return validate(schema, event.queryStringParameters ?? {}, "The query string is not valid");
}

/** The `{id}` path parameter; a malformed id cannot exist, so it answers like a missing image. */
export function imageIdParam(pathParameters: Record<string, string>): string {
  const id = pathParameters.id ?? "";
  if (!IMAGE_ID_PATTERN.test(id)) throw new ImageNotFoundError();
  return id;
}

export function http<S extends z.ZodType | undefined = undefined>(
  options: HttpOptions<S>,
  handle: (request: HttpRequest<S extends z.ZodType ? z.infer<S> : undefined>) => Promise<HttpResult>,
) {
  // Fail the cold start, not the first request, when configuration is missing.
  config();
  return middy<APIGatewayProxyEvent, HttpResult>()
    .use({
      before: async (request) => {
        logger.addContext(request.context);
        logger.appendKeys({
          requestId: request.event.requestContext?.requestId,
          route: `${request.event.httpMethod} ${request.event.resource}`,
        });
      },
      after: async (request) => {
        if (request.response) request.response.headers = { ...request.response.headers, ...corsHeaders() };
        logger.info("request done", { statusCode: request.response?.statusCode });
        logger.resetKeys();
      },
      onError: async (request) => {
        const { statusCode, headers, body } = toHttpError(request.error);
        if (statusCode >= 500) {
          logger.error("request failed", request.error as Error);
        } else {
          logger.info("request refused", { statusCode, code: body.error.code });
        }
        request.response = json(statusCode, body, { ...headers, ...corsHeaders() });
        logger.resetKeys();
      },
    })
    .handler(async (event, context) => {
      let userId = "";
      if (options.auth) {
        userId = await authenticate(event);
        logger.appendKeys({ userId });
        await takeToken(rateLimitStore(), userId, options.rateLimit, config().rateLimits[options.rateLimit]);
      }
      const body = (options.body ? parseBody(event, options.body) : undefined) as S extends z.ZodType
        ? z.infer<S>
        : undefined;
      const pathParameters = Object.fromEntries(
        Object.entries(event.pathParameters ?? {}).filter(
          (e): e is [string, string] => typeof e[1] === "string",
        ),
      );
      return handle({ event, context, userId, body, pathParameters });
    });
}
