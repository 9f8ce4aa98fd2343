/** GET /openapi.json and GET /docs: the API's own description, public. */

import { config } from "../config.js";
import { openApiDocument, serverUrl } from "./openapi.js";
import { api } from "./pipeline.js";
import { json } from "./response.js";

const page = (specUrl: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Picstack API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem}
h2{margin-top:2rem}code,pre{background:#f4f4f4;padding:.1rem .3rem}pre{padding:.6rem;overflow:auto}
.m{display:inline-block;min-width:4.5rem;font-weight:600}</style></head>
<body><h1>Picstack API</h1><p>Machine-readable: <a href="${specUrl}">openapi.json</a> (OpenAPI 3.1).</p><main id="ops">Loading…</main>
<script>
fetch(${JSON.stringify(specUrl)}).then(r => r.json()).then(doc => {
  const main = document.getElementById("ops"); main.textContent = "";
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    const h = document.createElement("h2"); const m = document.createElement("span"); m.className = "m";
    m.textContent = method.toUpperCase(); h.append(m, path); main.append(h);
    const p = document.createElement("p"); p.textContent = op.summary || ""; main.append(p);
    const pre = document.createElement("pre"); pre.textContent = "responses: " + Object.keys(op.responses).join(", ");
    main.append(pre);
  }
});
</script></body></html>`;

export const handler = api().handler(async (event) => {
  if (event.resource === "/docs") {
    return {
      statusCode: 200,
      headers: { "Content-Type": "text/html; charset=utf-8" },
      body: page("openapi.json"),
    };
  }
  return json(
    200,
    openApiDocument({ serverUrl: serverUrl(event), maxUploadBytes: config().maxUploadBytes }),
    { "Cache-Control": "public, max-age=300" },
  );
});
