/**
 * Validates requests and responses against an OpenAPI 3.1 document's own schemas (JSON Schema
 * 2020-12, with formats), so unit and end-to-end tests judge with one validator.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

type Doc = {
  paths: Record<string, Record<string, Operation>>;
};
type Operation = {
  parameters?: Array<{ name: string; in: string; schema: unknown }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<
    string,
    { content?: Record<string, { schema: unknown }>; headers?: Record<string, Header> }
  >;
};
type Header = { required?: boolean; schema: unknown };

const pointer = (...parts: string[]) =>
  `doc#/${parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;

export interface Verdict {
  valid: boolean;
  errors: string[];
}

export function documentValidator(doc: unknown) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(doc as object, "doc");
  const typed = doc as Doc;
  const compiled = new Map<string, ValidateFunction>();
  const check = (ref: string, value: unknown): Verdict => {
    let validate = compiled.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      compiled.set(ref, validate);
    }
    const valid = validate(value) as boolean;
    return {
      valid,
      errors: (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`),
    };
  };
  const operation = (method: string, path: string): Operation => {
    const op = typed.paths[path]?.[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${path} is not documented`);
    return op;
  };
  return {
    /** A JSON request body against the operation's request schema. */
    body(method: string, path: string, value: unknown): Verdict {
      operation(method, path);
      return check(
        pointer("paths", path, method.toLowerCase(), "requestBody", "content", "application/json", "schema"),
        value,
      );
    },
    /** One query or path parameter's value against its schema. */
    parameter(method: string, path: string, name: string, value: string): Verdict {
      const index = (operation(method, path).parameters ?? []).findIndex((p) => p.name === name);
      if (index < 0) return { valid: false, errors: [`no parameter ${name}`] };
      return check(
        pointer("paths", path, method.toLowerCase(), "parameters", String(index), "schema"),
        value,
      );
    },
    /**
     * A response: its status is documented, its content type is documented for that status, its body
     * matches the schema and every required header is there and matches.
     */
    response(
      method: string,
      path: string,
      answer: { status: number; contentType: string | null; headers: Headers; body: unknown },
    ): Verdict {
      const responses = operation(method, path).responses;
      const status = String(answer.status);
      const documented = responses[status];
      if (!documented) return { valid: false, errors: [`status ${status} is not documented`] };
      const errors: string[] = [];
      for (const [name, header] of Object.entries(documented.headers ?? {})) {
        const value = answer.headers.get(name);
        if (value === null) {
          if (header.required) errors.push(`header ${name} is missing`);
          continue;
        }
        const verdict = check(
          pointer("paths", path, method.toLowerCase(), "responses", status, "headers", name, "schema"),
          value,
        );
        errors.push(...verdict.errors.map((e) => `header ${name}: ${e}`));
      }
      if (!documented.content) {
        if (answer.body !== undefined && answer.body !== "") errors.push("a body where none is documented");
        return { valid: errors.length === 0, errors };
      }
      const mediaType = (answer.contentType ?? "").split(";")[0]?.trim() ?? "";
      if (!documented.content[mediaType]) {
        errors.push(`content type ${mediaType || "(none)"} is not documented for ${status}`);
        return { valid: false, errors };
      }
      const verdict = check(
        pointer("paths", path, method.toLowerCase(), "responses", status, "content", mediaType, "schema"),
        answer.body,
      );
      errors.push(...verdict.errors);
      return { valid: errors.length === 0, errors };
    },
    /** A named component schema. */
    component(name: string, value: unknown): Verdict {
      return check(`doc#/components/schemas/${name}`, value);
    },
  };
}
