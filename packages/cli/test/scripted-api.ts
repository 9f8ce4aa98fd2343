/**
 * What the command tests share: the `picstack` program run as a user runs it (a child process, from
 * a temporary folder with no local stack to find) against a scripted API on loopback, which answers
 * each request with the next route and records what it was asked.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { Image } from "@picstack/sdk";
import { afterAll, beforeAll, beforeEach } from "vitest";

export interface Seen {
  method: string;
  url: string;
  body: string;
}
export type Route = (seen: Seen, res: ServerResponse) => void;

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

export const image = (over: Partial<Image> = {}): Image => ({
  id: "img1",
  status: "ready",
  filename: "a.jpg",
  contentType: "image/jpeg",
  size: 3,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  tags: [],
  note: null,
  analysis: { status: "done", tags: [] },
  ...over,
});

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
// The child runs in a temporary folder, so tsx is named by its path rather than found from there.
const tsx = pathToFileURL(
  createRequire(import.meta.url)
    .resolve("tsx/package.json")
    .replace(/package\.json$/, "dist/loader.mjs"),
).href;

/**
 * Starts the scripted API for the calling test file (vitest hooks) and empties its routes and record
 * before each test. `picstack(...)` runs the program against it with a token.
 */
export function scriptedApi() {
  let server: Server;
  const api = {
    url: "",
    /** The folder the program runs in; tests put their files here. */
    dir: "",
    routes: [] as Route[],
    seen: [] as Seen[],
    async picstack(...args: string[]): Promise<Ran> {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PICSTACK_")));
      try {
        const { stdout, stderr } = await promisify(execFile)(
          process.execPath,
          ["--import", tsx, main, ...args, "--api-url", api.url, "--token", "t0k"],
          { cwd: api.dir, env: { ...env, CI: "1" } },
        );
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    },
  };
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const entry = {
          method: req.method ?? "",
          url: req.url ?? "",
          body: Buffer.concat(chunks).toString(),
        };
        api.seen.push(entry);
        const route = api.routes.shift();
        if (!route)
          return json(res, 500, { error: { code: "unscripted", message: `no route for ${entry.url}` } });
        route(entry, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    api.dir = await mkdtemp(join(tmpdir(), "picstack-cli-"));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(api.dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    api.routes = [];
    api.seen = [];
  });
  return api;
}
