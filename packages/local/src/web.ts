/**
 * Serves the web gallery (packages/web, built by `buildWeb`) on the local run's `webUrl`, with:
 * - `GET /config.json`: where the API is and how to sign in (the gallery reads it at start);
 * - `POST /dev/token` `{ "userId" }`: a dev token, the gallery's local sign-in. Bound to 127.0.0.1 and
 *   answered only when `Host` is this server's own loopback address (a page on a rebound DNS name
 *   reaches this port with its own name as `Host`), the `Origin`, when sent, is that same address, and
 *   the body is `application/json` (a cross-site form cannot send that type without a preflight).
 *   Tokens from it are valid on this local stack only.
 * Until the gallery is built, `/` is a status page that checks the API's health from the browser.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { DEFAULT_MAX_UPLOAD_BYTES, USER_ID_PATTERN } from "@picstack/core";
import { signDevToken } from "./dev-issuer.js";
import { packagedDir, packagedLayout } from "./packaged.js";
import { repoRoot } from "./paths.js";

/**
 * The gallery build the local run serves (`buildWeb`). Not packages/web/dist: the synth builds that one
 * for the Web stack, with placeholders for SST to fill in at deploy.
 */
export const webDist = packagedDir ? packagedLayout(packagedDir).web : join(repoRoot, ".picstack/web");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
};

/** The gallery's runtime configuration (the same shape the AWS deployment writes). */
export interface WebConfig {
  apiUrl: string;
  maxUploadBytes: number;
  auth: { kind: "dev"; tokenUrl: string } | { kind: "cognito"; domain: string; clientId: string };
}

function statusPage(apiUrl: string): string {
  const api = JSON.stringify(apiUrl);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Picstack (local)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .25rem}</style>
</head><body>
<h1>Picstack is running locally</h1>
<p>The web gallery is not built: run <code>npm run build</code> and reload.</p>
<p>API: <code id="api"></code></p>
<p>Health: <strong id="health" role="status">checking…</strong></p>
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

export interface ServeWebOptions {
  port: number;
  apiUrl: string;
  /** The local stack's state folder (for the dev issuer's key). */
  home?: string;
  maxUploadBytes?: number;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, limit = 4096): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error("too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function issueDevToken(
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeWebOptions,
  port: number,
) {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const host = req.headers.host;
  const origin = req.headers.origin;
  if (!host || !hosts.includes(host) || (origin !== undefined && origin !== `http://${host}`)) {
    return sendJson(res, 403, {
      error: { code: "forbidden", message: `Dev tokens are issued to http://127.0.0.1:${port} only` },
    });
  }
  const type = req.headers["content-type"];
  if (!type || !/^application\/json\s*(?:;|$)/i.test(type.trim())) {
    return sendJson(res, 415, {
      error: { code: "unsupported_media_type", message: "Send JSON (Content-Type: application/json)" },
    });
  }
  let userId: unknown;
  try {
    userId = (JSON.parse(await readBody(req)) as { userId?: unknown }).userId;
  } catch {
    return sendJson(res, 400, { error: { code: "invalid_json", message: 'Send { "userId": "..." }' } });
  }
  if (typeof userId !== "string" || !USER_ID_PATTERN.test(userId)) {
    return sendJson(res, 400, {
      error: { code: "validation_error", message: "A user id is 1–128 letters, digits or . _ @ : -" },
    });
  }
  const token = await signDevToken(userId, options.home ? { home: options.home } : {});
  sendJson(res, 200, { token, userId });
}

export async function serveWeb(options: ServeWebOptions): Promise<WebServer> {
  const config: WebConfig = {
    apiUrl: options.apiUrl,
    maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    auth: { kind: "dev", tokenUrl: "/dev/token" },
  };
  const server: Server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      if (path === "/config.json") return sendJson(res, 200, config);
      if (path === "/dev/token") {
        if (req.method !== "POST")
          return sendJson(res, 405, { error: { code: "method_not_allowed", message: "POST" } });
        return await issueDevToken(req, res, options, (server.address() as AddressInfo).port);
      }
      if (existsSync(join(webDist, "index.html"))) {
        const file = normalize(join(webDist, path));
        const inside = file === webDist || file.startsWith(webDist + sep);
        // Unknown paths get the app (it routes on the client); hashed assets are cached for a year.
        const target = inside && existsSync(file) && extname(file) ? file : join(webDist, "index.html");
        const immutable = target.includes(`${sep}assets${sep}`);
        res.writeHead(200, {
          "Content-Type": TYPES[extname(target)] ?? "application/octet-stream",
          "Cache-Control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
        });
        res.end(await readFile(target));
        return;
      }
      res.writeHead(200, { "Content-Type": TYPES[".html"] });
      res.end(statusPage(options.apiUrl));
    } catch (error) {
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: "internal_error", message: (error as Error).message } });
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
