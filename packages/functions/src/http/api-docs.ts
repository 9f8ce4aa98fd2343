/**
 * GET /openapi.json, GET /docs and GET /docs/{asset}: the API's own description, public. `/docs` (and
 * `/docs/`) is Swagger UI (swagger-ui-dist) rendering /openapi.json; its script and stylesheet are
 * served from this function's bundle (copied there at build, `files` of apiDocs in
 * infrastructure/picstack.ts), so the page loads nothing from any other host. Every URL in the page is
 * absolute from the API's own base URL, so the page works with and without a trailing slash, and its
 * "Try it out" calls this API (the document's `servers`).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { config } from "../config.js";
import { HttpError } from "./errors.js";
import { type DOCS_ASSET_NAMES, openApiDocument, serverUrl } from "./openapi.js";
import { api } from "./pipeline.js";
import { json } from "./response.js";
import type { ApiResult } from "./types.js";

/** Where the copied files sit in the bundle, next to this module (infrastructure/picstack.ts). */
export const DOCS_ASSET_DIR = "docs";

/** The files `/docs/{asset}` serves: swagger-ui-dist's, and the page's own start-up script. */
export const DOCS_ASSETS = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
  "init.js": "text/javascript; charset=utf-8",
} as const satisfies Record<(typeof DOCS_ASSET_NAMES)[number], string>;

export type DocsAsset = keyof typeof DOCS_ASSETS;

/**
 * Only this origin: Swagger UI's own files, its calls to the API (the same origin, as the document's
 * `servers` is this API), inline styles and data: images that Swagger UI sets itself.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

export function docsPage(base: string): string {
  const at = (path: string) => escapeHtml(`${base}${path}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Picstack API reference</title>
<link rel="stylesheet" href="${at("/docs/swagger-ui.css")}">
</head>
<body>
<noscript>This page needs JavaScript. The API is described in <a href="${at("/openapi.json")}">openapi.json</a> (OpenAPI 3.1).</noscript>
<div id="swagger-ui" data-spec-url="${at("/openapi.json")}"></div>
<script src="${at("/docs/swagger-ui-bundle.js")}"></script>
<script src="${at("/docs/init.js")}"></script>
</body>
</html>
`;
}

/**
 * Starts Swagger UI on the document named by the page. No validator badge (it would send the document
 * to validator.swagger.io), nothing remembered between visits.
 */
const INIT_SCRIPT = `"use strict";
(function () {
  var node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    domNode: node,
    deepLinking: true,
    validatorUrl: null,
    displayRequestDuration: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
    defaultModelsExpandDepth: 1,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
`;

const cache = new Map<DocsAsset, string>();

/**
 * An asset's text: from the bundle's copy in Lambda; from the installed package when this module runs
 * from source (the unit tests), where nothing was copied.
 */
async function assetText(name: DocsAsset): Promise<string> {
  if (name === "init.js") return INIT_SCRIPT;
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = await readFile(new URL(`./${DOCS_ASSET_DIR}/${name}`, import.meta.url), "utf8");
  } catch {
    text = await readFile(createRequire(import.meta.url).resolve(`swagger-ui-dist/${name}`), "utf8");
  }
  cache.set(name, text);
  return text;
}

const isAsset = (name: string): name is DocsAsset => Object.hasOwn(DOCS_ASSETS, name);

async function asset(name: string): Promise<ApiResult> {
  if (!isAsset(name)) {
    throw new HttpError(404, "asset_not_found", `No such file of the API reference: ${name.slice(0, 100)}`);
  }
  return {
    statusCode: 200,
    headers: {
      "Content-Type": DOCS_ASSETS[name],
      "Cache-Control": "public, max-age=3600",
      "X-Content-Type-Options": "nosniff",
    },
    body: await assetText(name),
  };
}

export const handler = api().handler(async (event) => {
  const base = serverUrl(event) ?? "";
  if (event.resource === "/docs" || event.resource === "/docs/{asset}") {
    const name = event.resource === "/docs/{asset}" ? (event.pathParameters?.asset ?? "") : "";
    // `/docs/` reaches the page, whichever resource the gateway matched it to.
    if (name !== "" && name !== "index.html") return asset(name);
    return {
      statusCode: 200,
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
      },
      body: docsPage(base),
    };
  }
  return json(
    200,
    openApiDocument({ serverUrl: base || undefined, maxUploadBytes: config().maxUploadBytes }),
    {
      "Cache-Control": "public, max-age=300",
    },
  );
});
