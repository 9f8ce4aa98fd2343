/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the handlers validate requests with
 * (`io: "input"`) and the services' answers are typed by (`io: "output"`), and from the route
 * declaration, so the document cannot drift from what the API accepts and returns.
 */
import {
  createdImageSchema,
  createImageInput,
  errorBodySchema,
  IMAGE_ID_PATTERN,
  imagePageSchema,
  imageSchema,
  listImagesQuery,
  presignedUploadSchema,
  searchImagesInput,
  searchPageSchema,
  similarImagesQuery,
  similarPageSchema,
  updateImageInput,
} from "@picstack/core";
import { type RouteSpec, routes } from "@picstack/infrastructure";
import * as z from "zod";
import { header } from "./headers.js";

/** The files `GET /docs/{asset}` serves (api-docs.ts); listed here so the document needs no file access. */
export const DOCS_ASSET_NAMES = ["swagger-ui-bundle.js", "swagger-ui.css", "init.js"] as const;

type Schema = Record<string, unknown>;

const healthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  checks: z.record(z.string(), z.enum(["ok", "error"])),
});

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** A request schema: what a client may send. */
function inputSchema(schema: z.ZodType): Schema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Schema;
  return rest;
}

/** The named response schemas, with references between them. */
function componentSchemas(): Record<string, Schema> {
  // An explicit registry, not zod's global one: what a bundle never imports is not registered there.
  const registry = z.registry<{ id: string }>();
  registry.add(imageSchema, { id: "Image" });
  registry.add(presignedUploadSchema, { id: "PresignedUpload" });
  registry.add(createdImageSchema, { id: "CreatedImage" });
  registry.add(imagePageSchema, { id: "ImagePage" });
  registry.add(searchPageSchema, { id: "SearchPage" });
  registry.add(similarPageSchema, { id: "SimilarPage" });
  registry.add(errorBodySchema, { id: "Error" });
  const { schemas } = z.toJSONSchema(registry, {
    io: "output",
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Schema> };
  return Object.fromEntries(
    Object.entries(schemas).map(([name, { $schema: _, $id: __, ...rest }]) => [name, rest]),
  );
}

const CODES: Record<number, string> = {
  400: "Invalid request",
  401: "Missing or invalid bearer token (`unauthorized`)",
  404: "No such image for this user (`image_not_found`); also for malformed ids, other users' and deleted images",
  409: "The image's state does not allow this",
  413: "Too large (`payload_too_large`): a declared size over the deployment's maximum, or a body over the gateway's limit",
  415: "Unsupported media type (`unsupported_media_type`)",
  429: "Too many requests for this user (`rate_limited`); retry after `Retry-After` seconds",
  500: "Internal error (`internal_error`), with no internals",
  503: "A dependency is unavailable (the token issuer's keys: `auth_unavailable`); retry later",
};

const errorContent = { "application/json": { schema: ref("Error") } };

/** Error answers: status → the codes it can carry on this route (shown in the description). */
function errors(answers: Record<number, string[]>): Record<string, Schema> {
  return Object.fromEntries(
    Object.entries(answers).map(([status, codes]) => {
      const base = CODES[Number(status)] ?? "Error";
      const description = codes.length ? `${base}: ${codes.map((c) => `\`${c}\``).join(", ")}` : base;
      const response: Schema = { description, content: errorContent };
      if (status === "429") {
        response.headers = {
          // Not required: API Gateway's own throttling (account and stage limits) answers 429 without it.
          "Retry-After": {
            description:
              "Seconds until a request will be accepted again; always sent for the per-user limits",
            required: false,
            schema: { type: "string", pattern: "^[0-9]+$" },
          },
        };
      }
      return [status, response];
    }),
  );
}

/** What every authenticated route can answer besides its own errors. */
const AUTHED: Record<number, string[]> = {
  401: ["unauthorized"],
  429: ["rate_limited"],
  500: ["internal_error"],
  503: ["auth_unavailable"],
};

const json = (schema: Schema, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const idParam = [
  {
    name: "id",
    in: "path",
    required: true,
    description: "An image id from `POST /images` or `GET /images`",
    schema: { type: "string", pattern: IMAGE_ID_PATTERN.source },
  },
];

const jsonBody = (schema: z.ZodType) => ({
  required: true,
  content: { "application/json": { schema: inputSchema(schema) } },
});

/** Where a created image's id leads: every route that takes it. */
const CREATED_IMAGE_LINKS = Object.fromEntries(
  (
    [
      ["GetImage", "getImage"],
      ["UpdateImage", "updateImage"],
      ["DeleteImage", "deleteImage"],
      ["RestoreImage", "restoreImage"],
      ["AnalyzeImage", "analyzeImage"],
      ["SimilarImages", "similarImages"],
    ] as const
  ).map(([name, operationId]) => [
    name,
    { operationId, parameters: { id: "$response.body#/image/id" }, description: "The created image" },
  ]),
);

export interface DocsEvent {
  path?: string;
  headers: Record<string, string | undefined> | null;
  requestContext?: { stage?: string; path?: string; apiId?: string; domainName?: string };
}

/**
 * The base URL the client reached this API at, so `servers` works wherever the document is read.
 * On AWS `requestContext.path` is the path the client sent (stage or custom-domain base path
 * included) and `path` is the route's part of it. The emulators leave out `domainName` and build
 * `requestContext.path` as `/<stage><path>` whatever URL form the client used: there the base is
 * `/<stage>` on the `<apiId>.execute-api.*` host form, else the path form `/restapis/<apiId>/<stage>/_user_request_`.
 */
export function serverUrl(event: DocsEvent): string | undefined {
  const host = header(event, "host");
  if (!host) return undefined;
  const context = event.requestContext ?? {};
  // API Gateway always says how the client connected; a bare emulator does not, and speaks plain HTTP.
  const proto = header(event, "x-forwarded-proto")?.split(",")[0]?.trim() || "http";
  let base: string;
  if (context.domainName) {
    const full = context.path ?? "";
    const route = event.path ?? "";
    base = route && full.endsWith(route) ? full.slice(0, full.length - route.length) : "";
  } else if (context.apiId && host.startsWith(`${context.apiId}.`)) {
    base = context.stage ? `/${context.stage}` : "";
  } else if (context.apiId && context.stage) {
    base = `/restapis/${context.apiId}/${context.stage}/_user_request_`;
  } else {
    base = "";
  }
  return `${proto}://${host}${base}`;
}

export interface DocumentOptions {
  /** The base URL the API is served from (without a trailing slash). */
  serverUrl?: string;
  /** The deployment's upload limit: a larger declared `size` answers 413. */
  maxUploadBytes?: number;
}

/** What each route documents, keyed like the route declaration. */
function operation(route: RouteSpec, options: DocumentOptions): Schema {
  const operationId =
    route.path === "/docs" ? "apiDocsPage" : route.path === "/docs/{asset}" ? "apiDocsAsset" : route.function;
  const op = (spec: Schema) => ({ operationId, ...spec });
  switch (`${route.method} ${route.path}`) {
    case "POST /images": {
      const body = jsonBody(createImageInput);
      if (options.maxUploadBytes !== undefined) {
        const schema = body.content["application/json"].schema as { properties: Record<string, Schema> };
        schema.properties.size = { ...schema.properties.size, maximum: options.maxUploadBytes };
      }
      return op({
        summary: "Create an image and a presigned upload",
        requestBody: body,
        responses: {
          "201": {
            ...json(ref("CreatedImage"), "The pending image and where to upload its bytes"),
            headers: {
              Location: { description: "The image's path", required: true, schema: { type: "string" } },
            },
            links: CREATED_IMAGE_LINKS,
          },
          ...errors({
            400: ["validation_error", "invalid_json"],
            413: ["payload_too_large"],
            415: ["unsupported_media_type"],
            ...AUTHED,
          }),
        },
      });
    }
    case "GET /images": {
      const query = inputSchema(listImagesQuery) as { properties: Record<string, Schema> };
      return op({
        summary: "The caller's images, newest first, paginated",
        parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: "query", schema })),
        responses: {
          "200": json(ref("ImagePage"), "A page of images"),
          ...errors({ 400: ["validation_error", "invalid_cursor"], ...AUTHED }),
        },
      });
    }
    case "POST /images/search":
      return op({
        summary: "Search the caller's images by text (and, with an embedding provider, by meaning)",
        requestBody: jsonBody(searchImagesInput),
        responses: {
          "200": json(ref("SearchPage"), "A page of hits, best first (or newest first with `sort: date`)"),
          ...errors({
            400: ["validation_error", "invalid_json", "invalid_cursor"],
            409: ["semantic_unavailable"],
            413: ["payload_too_large"],
            415: ["unsupported_media_type"],
            ...AUTHED,
            503: ["auth_unavailable", "embedding_unavailable"],
          }),
        },
      });
    case "GET /images/{id}/similar": {
      const query = inputSchema(similarImagesQuery) as { properties: Record<string, Schema> };
      return op({
        summary: "The caller's images most like this one: same bytes, near duplicates, similar content",
        parameters: [
          ...idParam,
          ...Object.entries(query.properties).map(([name, schema]) => ({ name, in: "query", schema })),
        ],
        responses: {
          "200": json(ref("SimilarPage"), "The most alike images, best first"),
          ...errors({ 400: ["validation_error"], 404: ["image_not_found"], ...AUTHED }),
        },
      });
    }
    case "GET /images/{id}":
      return op({
        summary: "One image, with presigned URLs",
        parameters: idParam,
        responses: {
          "200": json(ref("Image"), "The image"),
          ...errors({ 404: ["image_not_found"], ...AUTHED }),
        },
      });
    case "PATCH /images/{id}":
      return op({
        summary: "Change the note and/or tags; an empty or null note removes the note",
        parameters: idParam,
        requestBody: jsonBody(updateImageInput),
        responses: {
          "200": json(ref("Image"), "The updated image"),
          ...errors({
            400: ["validation_error", "invalid_json"],
            404: ["image_not_found"],
            409: ["conflict"],
            // The gateway refuses bodies over its own limit (10 MB) before the handler sees them.
            413: ["payload_too_large"],
            415: ["unsupported_media_type"],
            ...AUTHED,
          }),
        },
      });
    case "DELETE /images/{id}":
      return op({
        summary: "Soft delete; restorable until purged after the retention period",
        parameters: idParam,
        responses: {
          "204": { description: "Deleted" },
          ...errors({ 404: ["image_not_found"], 409: ["conflict"], ...AUTHED }),
        },
      });
    case "POST /images/{id}/restore":
      return op({
        summary: "Undo a delete within the retention period",
        parameters: idParam,
        responses: {
          "200": json(ref("Image"), "The restored image"),
          ...errors({
            404: ["image_not_found"],
            409: ["image_not_deleted", "restore_window_closed", "conflict"],
            ...AUTHED,
          }),
        },
      });
    case "POST /images/{id}/analyze":
      return op({
        summary: "Run the analysis of a ready image again; poll the image for the result",
        parameters: idParam,
        responses: {
          "202": json(ref("Image"), "The image, analysis pending"),
          ...errors({
            404: ["image_not_found"],
            409: ["image_not_ready", "analysis_pending", "conflict"],
            // `rate_limited` here also when the analysis quota, separate from the write bucket, is spent.
            ...AUTHED,
          }),
        },
      });
    case "GET /health":
      return op({
        summary: "Dependency checks",
        security: [],
        responses: {
          "200": json(inputSchema(healthSchema), "Every dependency answers"),
          "503": json(inputSchema(healthSchema), "A dependency is down"),
          ...errors({ 500: ["internal_error"] }),
        },
      });
    case "GET /openapi.json":
      return op({
        summary: "This document",
        security: [],
        responses: {
          "200": json({ type: "object", required: ["openapi", "paths"] }, "OpenAPI 3.1 JSON"),
          ...errors({ 500: ["internal_error"] }),
        },
      });
    case "GET /docs":
      return op({
        summary: "This document as an interactive reference (Swagger UI); `/docs/` answers the same",
        security: [],
        responses: {
          "200": { description: "HTML", content: { "text/html": { schema: { type: "string" } } } },
          ...errors({ 500: ["internal_error"] }),
        },
      });
    case "GET /docs/{asset}":
      return op({
        summary: "A file of the reference page: its script and stylesheet, served by the API itself",
        security: [],
        parameters: [
          {
            name: "asset",
            in: "path",
            required: true,
            description: "A file the page links to",
            schema: { type: "string", enum: [...DOCS_ASSET_NAMES] },
          },
        ],
        responses: {
          "200": {
            description: "The file",
            content: {
              "text/javascript": { schema: { type: "string" } },
              "text/css": { schema: { type: "string" } },
            },
          },
          "404": { description: "No such file (`asset_not_found`)", content: errorContent },
          ...errors({ 500: ["internal_error"] }),
        },
      });
    default:
      throw new Error(`No OpenAPI operation for ${route.method} ${route.path}`);
  }
}

export function openApiDocument(options: DocumentOptions = {}): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, Schema>)[route.method.toLowerCase()] = operation(route, options);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Picstack API",
      version: "1.0.0",
      description: "Upload images with presigned URLs; get thumbnails, tags and descriptions back.",
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: componentSchemas(),
    },
    paths,
  };
}
