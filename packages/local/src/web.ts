/**
 * Serves the web client on the local run's `webUrl`. Until the web gallery is built (packages/web),
 * this is a status page that checks the API's health from the browser, through CORS, like the
 * gallery will.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import { repoRoot } from "./paths.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".webp": "image/webp",
};

function statusPage(apiUrl: string): string {
  const api = JSON.stringify(apiUrl);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Picstack (local)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .25rem}</style>
</head><body>
<h1>Picstack is running locally</h1>
<p>API: <code id="api"></code></p>
<p>Health: <strong id="health" role="status">checking…</strong></p>
<p>Get a token with <code>npm run --silent token -- &lt;userId&gt;</code> and call the API; see the README.</p>
<script>
const api = ${api};
document.getElementById("api").textContent = api;
fetch(api + "/health").then(r => r.json()).then(b => {
  document.getElementById("health").textContent = b.status + " " + JSON.stringify(b.checks);
}).catch(e => { document.getElementById("health").textContent = "unreachable: " + e.message; });
</script>
</body></html>`;
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

export async function serveWeb(port: number, apiUrl: string): Promise<WebServer> {
  const dist = join(repoRoot, "packages/web/dist");
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (path === "/config.json") {
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      res.end(JSON.stringify({ apiUrl }));
      return;
    }
    if (existsSync(join(dist, "index.html"))) {
      const file = normalize(join(dist, path === "/" ? "index.html" : path));
      const target = file.startsWith(dist) && existsSync(file) ? file : join(dist, "index.html");
      res.writeHead(200, { "Content-Type": TYPES[extname(target)] ?? "application/octet-stream" });
      res.end(await readFile(target));
      return;
    }
    res.writeHead(200, { "Content-Type": TYPES[".html"] });
    res.end(statusPage(apiUrl));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
