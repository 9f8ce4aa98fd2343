/**
 * GET /docs, /docs/ and /docs/{asset} through the real middleware chain: the Swagger UI page, whose
 * every link is under the API's own base URL (so the page works with a trailing slash and loads nothing
 * from another host), its files, and a JSON 404 for any other name.
 */
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";

type Handler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<{ statusCode: number; headers?: Record<string, string>; body: string }>;

let handler: Handler;
const BASE = "http://127.0.0.1:4566/restapis/abc123/local/_user_request_";

const event = (resource: string, path: string, asset?: string) =>
  ({
    resource,
    path,
    httpMethod: "GET",
    headers: { Host: "127.0.0.1:4566" },
    pathParameters: asset === undefined ? null : { asset },
    requestContext: { stage: "local", path: `/local${path}`, apiId: "abc123", requestId: "r1" },
  }) as unknown as APIGatewayProxyEvent;

const context = { awsRequestId: "r1", functionName: "apiDocs" } as unknown as Context;

beforeAll(async () => {
  Object.assign(process.env, {
    PICSTACK_FUNCTION: "apiDocs",
    PICSTACK_STAGE: "test",
    PICSTACK_TABLE: "t",
    PICSTACK_BUCKET: "b",
    PICSTACK_QUEUE_URL: "http://127.0.0.1:1/000000000000/q",
    PICSTACK_WEB_ORIGIN: "http://web.test",
    PICSTACK_AUTH_ISSUER: "https://issuer.test",
    PICSTACK_AUTH_AUDIENCE: "aud",
    PICSTACK_AUTH_JWKS: JSON.stringify({ keys: [] }),
    AWS_REGION: "us-east-1",
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  handler = (await import("../src/http/api-docs.js")).handler as unknown as Handler;
});

describe("the API reference page", () => {
  it("is Swagger UI on /docs and on /docs/, every URL in it under the API's base", async () => {
    // Act
    const pages = [
      await handler(event("/docs", "/docs"), context),
      await handler(event("/docs", "/docs/"), context),
    ];
    // Assess
    for (const page of pages) {
      expect(page.statusCode).toBe(200);
      expect(page.headers?.["Content-Type"]).toBe("text/html; charset=utf-8");
      expect(page.headers?.["Content-Security-Policy"]).toContain("default-src 'none'");
      const urls = [...page.body.matchAll(/(?:href|src|data-spec-url)="([^"]+)"/g)].map((m) => m[1]);
      expect(urls.sort()).toEqual(
        [
          `${BASE}/docs/init.js`,
          `${BASE}/docs/swagger-ui-bundle.js`,
          `${BASE}/docs/swagger-ui.css`,
          `${BASE}/openapi.json`,
          `${BASE}/openapi.json`,
        ].sort(),
      );
    }
    expect(pages[1]?.body).toBe(pages[0]?.body);
  });

  it("serves Swagger UI's script and stylesheet, and its own start-up without the online validator", async () => {
    // Act
    const script = await handler(
      event("/docs/{asset}", "/docs/swagger-ui-bundle.js", "swagger-ui-bundle.js"),
      context,
    );
    const css = await handler(event("/docs/{asset}", "/docs/swagger-ui.css", "swagger-ui.css"), context);
    const init = await handler(event("/docs/{asset}", "/docs/init.js", "init.js"), context);
    // Assess
    expect(script.statusCode).toBe(200);
    expect(script.headers?.["Content-Type"]).toBe("text/javascript; charset=utf-8");
    expect(script.body).toContain("SwaggerUIBundle");
    expect(css.headers?.["Content-Type"]).toBe("text/css; charset=utf-8");
    expect(css.body).toContain(".swagger-ui");
    expect(init.body).toContain("validatorUrl: null");
    expect(init.body).toContain('getAttribute("data-spec-url")');
  });

  it("answers any other name with a JSON 404", async () => {
    // Act
    const missing = await handler(event("/docs/{asset}", "/docs/..%2Fconfig.js", "../config.js"), context);
    // Assess
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: "asset_not_found" } });
  });
});
