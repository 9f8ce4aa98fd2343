import {
  ALLOWED_CONTENT_TYPES,
  assertUploadAllowed,
  createImageInput,
  ImageNotFoundError,
  type ImageRecord,
  listImagesQuery,
  RateLimitedError,
  toImage,
  updateImageInput,
  ValidationError,
} from "@picstack/core";
import { routes } from "@picstack/infrastructure";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { HttpError, toHttpError } from "../src/http/errors.js";
import { openApiDocument, serverUrl } from "../src/http/openapi.js";
import { documentValidator } from "./openapi-validator.js";

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId: string;
        security?: unknown[];
        requestBody?: unknown;
        responses: Record<string, { links?: Record<string, { operationId: string; parameters: unknown }> }>;
      }
    >
  >;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};

const MAX = 25 * 1024 * 1024;
const doc = openApiDocument({ serverUrl: "https://api.example.test/prod", maxUploadBytes: MAX }) as Doc;
const validator = documentValidator(doc);

/** What the server does with a create body short of storage: zod, then the type and size rules. */
function serverAcceptsCreate(body: unknown): boolean {
  const parsed = createImageInput.safeParse(body);
  if (!parsed.success) return false;
  try {
    assertUploadAllowed(parsed.data.contentType.trim().toLowerCase(), parsed.data.size, MAX);
    return true;
  } catch {
    return false;
  }
}

const base = { filename: "a.jpg", contentType: "image/jpeg", size: 1000 };

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const schemaValidator = new Validator();
    const result = await schemaValidator.validate(doc as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(schemaValidator.version).toBe("3.1");
  });

  it("documents exactly the declared routes, each with a unique operationId", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("documents 401, 429 with Retry-After, 500 and 503 with the error schema on every authenticated route", () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.security?.length === 0) continue;
        for (const status of ["401", "429", "500", "503"]) {
          const response = op.responses[status] as {
            content?: Record<string, { schema: unknown }>;
            headers?: Record<string, { required: boolean }>;
          };
          expect(response, `${method} ${path} ${status}`).toBeDefined();
          expect(response.content?.["application/json"]?.schema).toEqual({
            $ref: "#/components/schemas/Error",
          });
        }
        const limited = op.responses["429"] as { headers: Record<string, { schema: unknown }> };
        expect(limited.headers["Retry-After"]?.schema).toEqual({ type: "string", pattern: "^[0-9]+$" });
      }
    }
  });

  it("links a created image to every route that takes its id", () => {
    const links = doc.paths["/images"]?.post?.responses["201"]?.links ?? {};
    const idRoutes = Object.entries(doc.paths)
      .filter(([path]) => path.includes("{id}"))
      .flatMap(([, ops]) => Object.values(ops).map((o) => o.operationId));
    expect(
      Object.values(links)
        .map((l) => l.operationId)
        .sort(),
    ).toEqual(idRoutes.sort());
    for (const link of Object.values(links)) {
      expect(link.parameters).toEqual({ id: "$response.body#/image/id" });
    }
  });
});

describe("the document's request schemas refuse what the server refuses", () => {
  it("accepts only page sizes the server accepts", () => {
    for (const value of [
      "1",
      "20",
      "100",
      "007",
      "0",
      "000",
      "101",
      "999",
      "1e1",
      "0x10",
      " 5",
      "5 ",
      "-1",
      "",
      "1.0",
    ]) {
      const server = listImagesQuery.safeParse({ limit: value }).success;
      expect(validator.parameter("GET", "/images", "limit", value).valid, JSON.stringify(value)).toBe(server);
    }
    expect(validator.parameter("GET", "/images", "limit", "0").valid).toBe(false);
  });

  it("accepts only the content types the server accepts, in any case and with surrounding whitespace", () => {
    const candidates = [
      ...ALLOWED_CONTENT_TYPES,
      ...ALLOWED_CONTENT_TYPES.map((t) => ` ${t.toUpperCase()}\t`),
      "Image/Jpeg",
      "\u00a0image/png\ufeff",
      "image/svg+xml",
      "text/html",
      "image/jpeg; charset=binary",
      "image/jpe",
      "image/jpegx",
      "image / jpeg",
      "",
      "\u0000image/png",
    ];
    for (const contentType of candidates) {
      const body = { ...base, contentType };
      expect(validator.body("POST", "/images", body).valid, JSON.stringify(contentType)).toBe(
        serverAcceptsCreate(body),
      );
    }
    expect(validator.body("POST", "/images", { ...base, contentType: "text/html" }).valid).toBe(false);
  });

  it("refuses control characters and blank filenames, and sizes outside 1 to the maximum", () => {
    const bodies = [
      base,
      { ...base, filename: "  a.jpg  " },
      { ...base, filename: "a\u0007.jpg" },
      { ...base, filename: "a\r\nb.jpg" },
      { ...base, filename: "a\u007f.jpg" },
      { ...base, filename: "   " },
      { ...base, filename: "\u3000\u00a0" },
      { ...base, filename: "" },
      { ...base, filename: "é".repeat(255) },
      { ...base, filename: "a".repeat(256) },
      // Characters as JSON Schema counts them: an emoji is one, though two UTF-16 units.
      { ...base, filename: "\u{1F600}".repeat(255) },
      { ...base, filename: "\u{1F600}".repeat(256) },
      { ...base, tags: ["\u{1F600}".repeat(50)] },
      { ...base, note: "\u{1F600}".repeat(2000) },
      { ...base, size: 0 },
      { ...base, size: 1.5 },
      { ...base, size: MAX },
      { ...base, size: MAX + 1 },
      { ...base, size: "10" },
      { ...base, userId: "mallory" },
      { ...base, tags: ["a", "b"] },
      { ...base, tags: [" "] },
      { ...base, tags: ["x".repeat(50)] },
      { ...base, tags: ["x".repeat(51)] },
      { ...base, tags: Array.from({ length: 20 }, (_, i) => `t${i}`) },
      { ...base, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      { ...base, note: null },
      { ...base, note: "n".repeat(2001) },
      { filename: "a.jpg", size: 1 },
    ];
    for (const body of bodies) {
      expect(validator.body("POST", "/images", body).valid, JSON.stringify(body).slice(0, 80)).toBe(
        serverAcceptsCreate(body),
      );
    }
    expect(validator.body("POST", "/images", { ...base, filename: "a\u0007.jpg" }).valid).toBe(false);
  });

  it("refuses an empty PATCH body, as the server does", () => {
    for (const body of [
      {},
      { note: null },
      { note: "x" },
      { tags: [] },
      { note: "x", tags: ["a"] },
      { other: 1 },
      { tags: ["  "] },
    ]) {
      expect(validator.body("PATCH", "/images/{id}", body).valid, JSON.stringify(body)).toBe(
        updateImageInput.safeParse(body).success,
      );
    }
    expect(validator.body("PATCH", "/images/{id}", {}).valid).toBe(false);
  });
});

describe("the document's response schemas describe what the server returns", () => {
  const record: ImageRecord = {
    id: "01m819gdvpkk9mqydbm4k3rth7",
    userId: "alice",
    status: "ready",
    filename: "a.jpg",
    contentType: "image/jpeg",
    size: 1000,
    originalKey: "images/2026/12/x.jpg",
    createdAt: "2026-12-01T00:00:00.000Z",
    updatedAt: "2026-12-01T00:00:01.000Z",
    note: null,
    tags: ["beach"],
    width: 640,
    height: 480,
    format: "jpeg",
    exif: { camera: "PicstackCam E2E", takenAt: "2026-11-30T10:00:00.000Z" },
    thumbnails: {
      thumb: { key: "t", width: 256, height: 192 },
      preview: { key: "p", width: 640, height: 480 },
    },
    analysis: {
      status: "done",
      provider: "openai",
      model: "m",
      description: "a beach",
      tags: ["beach"],
      text: "hi",
      usage: { inputTokens: 300, outputTokens: 40 },
    },
    claims: 1,
  };

  it("covers every field of a processed, analyzed image, and of a failed one", () => {
    const urls = { original: "https://o", thumb: "https://t", preview: "https://p" };
    const failed: ImageRecord = {
      ...record,
      status: "failed",
      error: { code: "corrupt_image", message: "bad" },
      analysis: {
        status: "failed",
        provider: "basic",
        tags: [],
        error: { code: "analysis_failed", message: "x" },
      },
    };
    for (const image of [
      toImage(record, urls),
      toImage(failed, {}),
      toImage({ ...record, status: "pending" }),
    ]) {
      expect(validator.component("Image", image).errors).toEqual([]);
    }
    expect(validator.component("Image", { ...toImage(record), secret: 1 }).valid).toBe(false);
  });

  it("covers every error body the HTTP layer makes", () => {
    const bodies = [
      new HttpError(400, "validation_error", "bad", {}, [{ path: "a", message: "b" }]),
      new ValidationError("bad"),
      new ImageNotFoundError(),
      new RateLimitedError(3),
      new Error("boom"),
    ].map((e) => toHttpError(e).body);
    for (const body of bodies) expect(validator.component("Error", body).errors).toEqual([]);
  });
});

describe("servers", () => {
  it("is the emulator's path form on MiniStack, where requestContext.path is /<stage><path>", () => {
    expect(
      serverUrl({
        path: "/openapi.json",
        headers: { host: "127.0.0.1:4566" },
        requestContext: { stage: "local", path: "/local/openapi.json", apiId: "abc123" },
      }),
    ).toBe("http://127.0.0.1:4566/restapis/abc123/local/_user_request_");
  });

  it("is the execute-api URL with its stage, or a custom domain's base path, on AWS", () => {
    const aws = {
      path: "/openapi.json",
      headers: { Host: "abc123.execute-api.eu-west-1.amazonaws.com", "X-Forwarded-Proto": "https" },
      requestContext: {
        stage: "prod",
        path: "/prod/openapi.json",
        apiId: "abc123",
        domainName: "abc123.execute-api.eu-west-1.amazonaws.com",
      },
    };
    expect(serverUrl(aws)).toBe("https://abc123.execute-api.eu-west-1.amazonaws.com/prod");
    expect(
      serverUrl({
        ...aws,
        headers: { Host: "api.example.com", "X-Forwarded-Proto": "https" },
        requestContext: { ...aws.requestContext, domainName: "api.example.com", path: "/v1/openapi.json" },
      }),
    ).toBe("https://api.example.com/v1");
  });
});
