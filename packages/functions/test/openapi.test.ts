import { routes } from "@picstack/infrastructure";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../src/http/openapi.js";

type Doc = {
  paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(
      openApiDocument("https://api.example.test/prod") as Parameters<Validator["validate"]>[0],
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("documents exactly the declared routes", () => {
    const doc = openApiDocument() as Doc;
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it("takes request bodies from the validation schemas, unknown fields refused", () => {
    const doc = openApiDocument() as Doc;
    const create = doc.paths["/images"]?.post?.requestBody as {
      content: { "application/json": { schema: { required: string[]; additionalProperties: boolean } } };
    };
    const schema = create.content["application/json"].schema;
    expect(schema.required.sort()).toEqual(["contentType", "filename", "size"]);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(doc.components.schemas.Image?.properties ?? {})).toEqual(
      expect.arrayContaining(["id", "status", "tags", "note", "analysis", "urls"]),
    );
  });
});
