/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the handlers validate with and from
 * the route declaration, so the document cannot drift from what the API accepts.
 */
import { createImageInput, listImagesQuery, updateImageInput } from "@picstack/core";
import { type RouteSpec, routes } from "@picstack/infrastructure";
import * as z from "zod";

const isoDateTime = z.string().describe("ISO-8601 timestamp");
const dimensions = z.object({ width: z.number().int(), height: z.number().int() });
const errorDetail = z.object({ code: z.string(), message: z.string() });

export const imageSchema = z.object({
  id: z.string().describe("Server-generated, URL-safe, sortable by creation time"),
  status: z.enum(["pending", "processing", "ready", "failed"]),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  format: z.string().optional(),
  tags: z.array(z.string()),
  note: z.string().nullable(),
  analysis: z.object({
    status: z.enum(["pending", "done", "failed", "skipped"]),
    provider: z.string().optional(),
    model: z.string().optional(),
    description: z.string().optional(),
    tags: z.array(z.string()),
    text: z.string().optional(),
    error: errorDetail.optional(),
  }),
  thumbnails: z.object({ thumb: dimensions, preview: dimensions }).optional(),
  urls: z
    .object({ original: z.string().optional(), thumb: z.string().optional(), preview: z.string().optional() })
    .optional()
    .describe("Presigned GET URLs, valid for a few minutes"),
  error: errorDetail.optional().describe("Only when status is failed"),
});

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

const uploadSchema = z.object({
  method: z.enum(["PUT", "POST"]),
  url: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
  fields: z.record(z.string(), z.string()).optional(),
  expiresAt: isoDateTime,
});

const healthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  checks: z.record(z.string(), z.enum(["ok", "error"])),
});

type Schema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): Schema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Schema;
  return rest;
}

const ERRORS: Record<number, string> = {
  400: "Invalid request (`validation_error`, `invalid_json`, `invalid_cursor`)",
  401: "Missing or invalid bearer token (`unauthorized`)",
  404: "No such image for this user (`image_not_found`)",
  409: "State conflict (`conflict`, `image_not_deleted`, `restore_window_closed`, `image_not_ready`)",
  413: "Declared size over the maximum (`payload_too_large`)",
  415: "Content type not accepted (`unsupported_media_type`)",
  429: "Rate limited (`rate_limited`), see Retry-After",
  500: "Internal error (`internal_error`)",
};

const errorResponses = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      {
        description: ERRORS[c],
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    ]),
  );

const json = (schema: Schema, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const imageRef = { $ref: "#/components/schemas/Image" };

/** What each route documents, keyed like the route declaration. */
function operation(route: RouteSpec): Schema {
  const common = errorResponses(401, 429, 500);
  const idParam = [{ name: "id", in: "path", required: true, schema: { type: "string" } }];
  switch (`${route.method} ${route.path}`) {
    case "POST /images":
      return {
        summary: "Create an image and a presigned upload",
        requestBody: {
          required: true,
          content: { "application/json": { schema: jsonSchema(createImageInput) } },
        },
        responses: {
          "201": json(
            {
              type: "object",
              properties: { image: imageRef, upload: jsonSchema(uploadSchema) },
              required: ["image", "upload"],
            },
            "The pending image and where to upload its bytes",
          ),
          ...errorResponses(400, 413, 415),
          ...common,
        },
      };
    case "GET /images": {
      const query = jsonSchema(listImagesQuery) as { properties: Record<string, Schema> };
      return {
        summary: "The caller's images, newest first, paginated",
        parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: "query", schema })),
        responses: {
          "200": json(
            {
              type: "object",
              properties: {
                items: { type: "array", items: imageRef },
                nextCursor: { type: ["string", "null"] },
              },
              required: ["items", "nextCursor"],
            },
            "A page of images",
          ),
          ...errorResponses(400),
          ...common,
        },
      };
    }
    case "GET /images/{id}":
      return {
        summary: "One image, with presigned URLs",
        parameters: idParam,
        responses: { "200": json(imageRef, "The image"), ...errorResponses(404), ...common },
      };
    case "PATCH /images/{id}":
      return {
        summary: "Change the note and/or tags; an empty or null note removes the note",
        parameters: idParam,
        requestBody: {
          required: true,
          content: { "application/json": { schema: jsonSchema(updateImageInput) } },
        },
        responses: {
          "200": json(imageRef, "The updated image"),
          ...errorResponses(400, 404, 409),
          ...common,
        },
      };
    case "DELETE /images/{id}":
      return {
        summary: "Soft delete; restorable until purged after the retention period",
        parameters: idParam,
        responses: { "204": { description: "Deleted" }, ...errorResponses(404, 409), ...common },
      };
    case "POST /images/{id}/restore":
      return {
        summary: "Undo a delete within the retention period",
        parameters: idParam,
        responses: { "200": json(imageRef, "The restored image"), ...errorResponses(404, 409), ...common },
      };
    case "POST /images/{id}/analyze":
      return {
        summary: "Run the analysis of a ready image again; poll the image for the result",
        parameters: idParam,
        responses: {
          "202": json(imageRef, "The image, analysis pending"),
          ...errorResponses(404, 409),
          ...common,
        },
      };
    case "GET /health":
      return {
        summary: "Dependency checks",
        security: [],
        responses: {
          "200": json(jsonSchema(healthSchema), "Every dependency answers"),
          "503": json(jsonSchema(healthSchema), "A dependency is down"),
        },
      };
    case "GET /openapi.json":
      return {
        summary: "This document",
        security: [],
        responses: { "200": { description: "OpenAPI 3.1 JSON" } },
      };
    case "GET /docs":
      return {
        summary: "A readable page of this document",
        security: [],
        responses: { "200": { description: "HTML" } },
      };
    default:
      throw new Error(`No OpenAPI operation for ${route.method} ${route.path}`);
  }
}

export function openApiDocument(serverUrl?: string): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, Schema>)[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Picstack API",
      version: "1.0.0",
      description: "Upload images with presigned URLs; get thumbnails, tags and descriptions back.",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { Image: jsonSchema(imageSchema), Error: jsonSchema(errorSchema) },
    },
    paths,
  };
}
