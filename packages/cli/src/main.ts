/**
 * picstack: the Picstack API from a terminal or a CI suite.
 *
 *   picstack upload <files or globs...> [--tag t]... [--note text] [--concurrency 4] [--no-wait] [--timeout 120]
 *   picstack ls [--tag t] [--status s] [--from date] [--to date] [--order asc|desc] [--limit n] [--all]
 *   picstack get <id>
 *   picstack rm <id...>
 *   picstack restore <id...>
 *   picstack token <userId> [--expires-in seconds]
 *
 * Every command takes --json (machine-readable stdout), --api-url, --token and --user (see connection.ts).
 * Exit code 0 when everything succeeded, 1 when anything failed, 2 for a usage error.
 */
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import {
  checkFile,
  contentTypeFor,
  type Image,
  ImageFailedError,
  type ListImagesQuery,
  PicstackClient,
  PicstackError,
} from "@picstack/sdk";
import { glob, isDynamicPattern } from "tinyglobby";
import { findOutputs, resolveConnection, signDevToken } from "./connection.js";
import { CliError, formatBytes, ProgressBoard, printJson, table } from "./output.js";

const VERSION = "0.1.0";

const HELP = `picstack ${VERSION}: upload and manage images on a Picstack API

Usage:
  picstack upload <files or globs...>  upload, then wait until each image is ready
      --tag <tag>          tag every upload (repeatable)
      --note <text>        note on every upload
      --concurrency <n>    files in flight at once (default 4)
      --no-wait            stop once the bytes are uploaded
      --timeout <seconds>  how long to wait for each image (default 120)
  picstack ls                          list images, newest first
      --tag, --status <pending|processing|ready|failed>, --from, --to (ISO-8601 or YYYY-MM-DD),
      --order <desc|asc>, --limit <1-100> (default 20), --all (follow every page)
  picstack get <id>                    one image, with its analysis and URLs
  picstack rm <id...>                  delete images (restorable during the retention period)
  picstack restore <id...>             undo deletes
  picstack token <userId>              print a dev token for the local stack
      --expires-in <seconds>           lifetime (default 43200)

Options for every command:
  --json               machine-readable output on stdout
  --api-url <url>      the API (default: $PICSTACK_API_URL, else .picstack/outputs.json)
  --token <jwt>        bearer token (default: $PICSTACK_TOKEN)
  --user <id>          on the local stack: sign a dev token for this user
  -h, --help           this help
  -v, --version        the version

Exit status: 0 when everything succeeded, 1 when anything failed, 2 for a usage error.
`;

const options = {
  json: { type: "boolean", default: false },
  "api-url": { type: "string" },
  token: { type: "string" },
  user: { type: "string" },
  tag: { type: "string", multiple: true },
  note: { type: "string" },
  concurrency: { type: "string", default: "4" },
  "no-wait": { type: "boolean", default: false },
  timeout: { type: "string", default: "120" },
  status: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  order: { type: "string" },
  limit: { type: "string" },
  all: { type: "boolean", default: false },
  "expires-in": { type: "string" },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", short: "v", default: false },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>["values"];

function integer(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`--${name} must be a whole number from ${min} to ${max}`, 2);
  return n;
}

function client(flags: Flags): PicstackClient {
  const { apiUrl, token } = resolveConnection(flags);
  return new PicstackClient({ baseUrl: apiUrl, token });
}

function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof PicstackError) return { code: error.code, message: error.message };
  return { code: "error", message: (error as Error).message ?? String(error) };
}

/** Expands globs; a literal path that exists is taken as is (its name may contain glob characters). */
async function expandFiles(patterns: string[]): Promise<{ files: string[]; unmatched: string[] }> {
  const files: string[] = [];
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const literal = await stat(pattern).catch(() => undefined);
    if (literal?.isFile()) {
      files.push(pattern);
      continue;
    }
    const matches = isDynamicPattern(pattern)
      ? await glob(pattern, { onlyFiles: true, expandDirectories: false })
      : [];
    if (matches.length === 0) unmatched.push(pattern);
    files.push(...matches.sort());
  }
  return { files: [...new Set(files)], unmatched };
}

interface UploadResult {
  file: string;
  ok: boolean;
  id?: string;
  status?: Image["status"] | "rejected" | "upload_failed";
  image?: Image;
  error?: { code: string; message: string };
}

async function upload(flags: Flags, patterns: string[]): Promise<number> {
  if (patterns.length === 0) throw new CliError("upload needs at least one file or glob", 2);
  const concurrency = integer(flags.concurrency, "concurrency", 1, 32) ?? 4;
  const timeoutMs = (integer(flags.timeout, "timeout", 1, 3600) ?? 120) * 1000;
  const { files, unmatched } = await expandFiles(patterns);
  const results: UploadResult[] = unmatched.map((pattern) => ({
    file: pattern,
    ok: false,
    status: "rejected",
    error: { code: "no_such_file", message: `${pattern}: no file matches` },
  }));
  for (const r of results) if (!flags.json) process.stderr.write(`${r.error?.message}\n`);
  if (files.length === 0) {
    if (flags.json) printJson(results);
    return 1;
  }
  const api = client(flags);
  const board = new ProgressBoard();
  const queue = files.map((file) => ({ file, line: flags.json ? -1 : board.add(file) }));

  const one = async ({ file, line }: (typeof queue)[number]): Promise<UploadResult> => {
    const update = (change: Parameters<ProgressBoard["update"]>[1]) =>
      line >= 0 && board.update(line, change);
    const size = (await stat(file)).size;
    const name = basename(file);
    const type = contentTypeFor(name);
    const rejected = checkFile({ name, size, ...(type ? { type } : {}) });
    if (rejected) {
      update({ status: `rejected: ${rejected.message}` });
      return { file, ok: false, status: "rejected", error: describeError(rejected) };
    }
    let id: string | undefined;
    try {
      const data = await readFile(file);
      const created = await api.createUpload(
        { data, filename: name, ...(type ? { contentType: type } : {}) },
        {
          ...(flags.tag ? { tags: flags.tag } : {}),
          ...(flags.note !== undefined ? { note: flags.note } : {}),
          onCreated: (image) => {
            id = image.id;
          },
          onProgress: ({ loaded, total }) =>
            update({ fraction: total ? loaded / total : 1, status: `uploading ${formatBytes(loaded)}` }),
        },
      );
      id = created.id;
      if (flags["no-wait"]) {
        update({ fraction: 1, status: `uploaded ${id}` });
        return { file, ok: true, id, status: created.status, image: created };
      }
      update({ fraction: 1, status: "uploaded, waiting to be checked" });
      const image = await api.waitUntilReady(created.id, {
        timeoutMs,
        onUpdate: (i) =>
          update({
            status:
              i.status === "ready"
                ? "analysing"
                : i.status === "pending"
                  ? "uploaded, waiting to be checked"
                  : i.status,
          }),
      });
      const tags = image.tags.length ? ` [${image.tags.slice(0, 5).join(", ")}]` : "";
      update({ status: `ready ${image.id}${tags}` });
      return { file, ok: true, id: image.id, status: image.status, image };
    } catch (error) {
      const described = describeError(error);
      update({ status: `failed: ${described.message}` });
      if (error instanceof ImageFailedError) {
        return {
          file,
          ok: false,
          id: error.image.id,
          status: "failed",
          image: error.image,
          error: described,
        };
      }
      return { file, ok: false, status: "upload_failed", error: described, ...(id ? { id } : {}) };
    }
  };

  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    while (next < queue.length) {
      const item = queue[next++];
      if (item) results.push(await one(item));
    }
  });
  await Promise.all(workers);
  board.finish();

  const failed = results.filter((r) => !r.ok);
  if (flags.json) {
    // Results in the order the files were given.
    const order = new Map(files.map((f, i) => [f, i]));
    printJson(results.sort((a, b) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1)));
  } else {
    process.stderr.write(
      `${results.length - failed.length} of ${results.length} uploaded${failed.length ? `, ${failed.length} failed` : ""}\n`,
    );
  }
  return failed.length ? 1 : 0;
}

function toIso(value: string | undefined, name: string, endOfDay: boolean): string | undefined {
  if (value === undefined) return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const date = new Date(day ? `${value}T${endOfDay ? "23:59:59.999" : "00:00:00.000"}Z` : value);
  if (Number.isNaN(date.getTime()))
    throw new CliError(`--${name} must be a date (YYYY-MM-DD) or an ISO-8601 time`, 2);
  return date.toISOString();
}

function summaryRow(image: Image): string[] {
  return [
    image.id,
    image.status,
    image.createdAt.slice(0, 19).replace("T", " "),
    formatBytes(image.size),
    image.tags.join(",") || "-",
    image.filename,
  ];
}

async function ls(flags: Flags): Promise<number> {
  const status = flags.status;
  if (status !== undefined && !["pending", "processing", "ready", "failed"].includes(status)) {
    throw new CliError("--status must be pending, processing, ready or failed", 2);
  }
  if (flags.order !== undefined && flags.order !== "asc" && flags.order !== "desc") {
    throw new CliError("--order must be asc or desc", 2);
  }
  const query: ListImagesQuery = {};
  const limit = integer(flags.limit, "limit", 1, 100);
  if (limit !== undefined) query.limit = limit;
  if (flags.tag?.[0]) query.tag = flags.tag[0];
  if (status) query.status = status as NonNullable<ListImagesQuery["status"]>;
  const from = toIso(flags.from, "from", false);
  const to = toIso(flags.to, "to", true);
  if (from) query.from = from;
  if (to) query.to = to;
  if (flags.order) query.order = flags.order as "asc" | "desc";
  if ((flags.tag?.length ?? 0) > 1) throw new CliError("ls filters by one --tag at a time", 2);

  const api = client(flags);
  let items: Image[];
  let nextCursor: string | null = null;
  if (flags.all) {
    items = [];
    for await (const image of api.iterateImages(query)) items.push(image);
  } else {
    const page = await api.listImages(query);
    items = page.items;
    nextCursor = page.nextCursor;
  }
  if (flags.json) {
    printJson(flags.all ? { items } : { items, nextCursor });
    return 0;
  }
  if (items.length === 0) {
    // A page can be empty and still have a cursor: the API bounds the reads of each request.
    process.stdout.write(nextCursor ? "no images on this page\n" : "no images\n");
    if (nextCursor) process.stderr.write("more images may follow: use --all\n");
    return 0;
  }
  process.stdout.write(
    `${table([["ID", "STATUS", "CREATED (UTC)", "SIZE", "TAGS", "FILENAME"], ...items.map(summaryRow)])}\n`,
  );
  if (nextCursor) process.stderr.write("more images: use --all, or a larger --limit\n");
  return 0;
}

async function get(flags: Flags, ids: string[]): Promise<number> {
  if (ids.length !== 1) throw new CliError("get takes one image id", 2);
  const image = await client(flags).getImage(ids[0] as string);
  if (flags.json) {
    printJson(image);
    return 0;
  }
  const rows: string[][] = [
    ["id", image.id],
    ["status", image.status],
    ["filename", image.filename],
    ["type", `${image.contentType}, ${formatBytes(image.size)}`],
    ["created", image.createdAt],
  ];
  if (image.width) rows.push(["size", `${image.width}×${image.height} ${image.format ?? ""}`.trim()]);
  rows.push(["tags", image.tags.join(", ") || "-"]);
  rows.push(["note", image.note ?? "-"]);
  rows.push([
    "analysis",
    `${image.analysis.status}${image.analysis.provider ? ` (${image.analysis.provider})` : ""}`,
  ]);
  if (image.analysis.description) rows.push(["description", image.analysis.description]);
  if (image.error) rows.push(["error", `${image.error.code}: ${image.error.message}`]);
  for (const [name, url] of Object.entries(image.urls ?? {})) rows.push([`url.${name}`, url ?? ""]);
  process.stdout.write(`${table(rows)}\n`);
  return 0;
}

async function eachId(
  flags: Flags,
  ids: string[],
  verb: string,
  action: (api: PicstackClient, id: string) => Promise<unknown>,
): Promise<number> {
  if (ids.length === 0) throw new CliError(`${verb} needs at least one image id`, 2);
  const api = client(flags);
  const results: { id: string; ok: boolean; error?: { code: string; message: string } }[] = [];
  for (const id of ids) {
    try {
      await action(api, id);
      results.push({ id, ok: true });
      if (!flags.json) process.stdout.write(`${verb === "rm" ? "deleted" : "restored"} ${id}\n`);
    } catch (error) {
      const described = describeError(error);
      results.push({ id, ok: false, error: described });
      if (!flags.json) process.stderr.write(`${id}: ${described.message} (${described.code})\n`);
    }
  }
  if (flags.json) printJson(results);
  return results.every((r) => r.ok) ? 0 : 1;
}

function token(flags: Flags, args: string[]): number {
  const userId = args[0];
  if (!userId || args.length > 1) throw new CliError("usage: picstack token <userId>", 2);
  const outputs = findOutputs();
  if (!outputs)
    throw new CliError("No local stack found (.picstack/outputs.json): start it with `npm start`", 2);
  const expiresIn = integer(flags["expires-in"], "expires-in", 60, 30 * 24 * 3600);
  const jwt = signDevToken(userId, outputs.home, expiresIn);
  if (flags.json) printJson({ token: jwt, userId });
  else process.stdout.write(`${jwt}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`picstack: ${(error as Error).message}\nRun picstack --help for usage.\n`);
    return 2;
  }
  const { values: flags, positionals } = parsed;
  const [command, ...args] = positionals;
  if (flags.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (flags.help || !command) {
    (command || flags.help ? process.stdout : process.stderr).write(HELP);
    return flags.help ? 0 : 2;
  }
  try {
    switch (command) {
      case "upload":
        return await upload(flags, args);
      case "ls":
        return await ls(flags);
      case "get":
        return await get(flags, args);
      case "rm":
        return await eachId(flags, args, "rm", (api, id) => api.deleteImage(id));
      case "restore":
        return await eachId(flags, args, "restore", (api, id) => api.restoreImage(id));
      case "token":
        return token(flags, args);
      default:
        throw new CliError(`unknown command "${command}"; run picstack --help`, 2);
    }
  } catch (error) {
    const exitCode = error instanceof CliError ? error.exitCode : 1;
    const described = describeError(error);
    if (flags.json && exitCode !== 2) printJson({ error: described });
    process.stderr.write(
      `picstack: ${described.message}${error instanceof PicstackError ? ` (${described.code})` : ""}\n`,
    );
    return exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
