/**
 * `picstack upload <files, folders or globs...>`: uploads a few files at a time, then waits until each
 * is ready. A folder gives its images (see expand-files.ts), its subfolders too with `--recursive`.
 * With `--skip-duplicates` each file's SHA-256 goes with it, and a file the user already has is not
 * uploaded again: it is reported with the image that has it.
 */
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { checkFile, contentTypeFor, fileSha256, type Image, ImageFailedError } from "@picstack/sdk";
import { connectionOptions, defineCommand } from "../command-line.js";
import { connect } from "../connection.js";
import { expandFiles } from "../expand-files.js";
import { integer } from "../option-values.js";
import { CliError, describeError, formatBytes, ProgressBoard, printJson } from "../output.js";

interface UploadResult {
  file: string;
  ok: boolean;
  id?: string;
  /** `skipped`: the user already had these bytes; `id` and `image` are the image that has them. */
  status?: Image["status"] | "rejected" | "upload_failed" | "skipped";
  image?: Image;
  error?: { code: string; message: string };
}

export const upload = defineCommand({
  name: "upload",
  args: "<files, folders or globs...>",
  summary: "upload, then wait until each image is ready",
  options: {
    tag: { type: "string", multiple: true, value: "<tag>", help: "tag every upload (repeatable)" },
    note: { type: "string", value: "<text>", help: "note on every upload" },
    concurrency: { type: "string", default: "4", value: "<n>", help: "files in flight at once" },
    "no-wait": { type: "boolean", help: "stop once the bytes are uploaded" },
    timeout: { type: "string", default: "120", value: "<seconds>", help: "how long to wait for each image" },
    recursive: { type: "boolean", short: "r", help: "also upload the images in a folder's subfolders" },
    "skip-duplicates": {
      type: "boolean",
      help: "skip files already uploaded (same SHA-256), reporting the image that has each",
    },
    ...connectionOptions,
  },
  async run(flags, patterns) {
    if (patterns.length === 0) throw new CliError("upload needs at least one file, folder or glob", 2);
    const concurrency = integer(flags.concurrency, "concurrency", 1, 32);
    const timeoutMs = integer(flags.timeout, "timeout", 1, 3600) * 1000;
    const { files, unmatched } = await expandFiles(patterns, { recursive: flags.recursive ?? false });
    const results: UploadResult[] = unmatched.map(({ argument, code, message }) => ({
      file: argument,
      ok: false,
      status: "rejected",
      error: { code, message },
    }));
    for (const r of results) if (!flags.json) process.stderr.write(`${r.error?.message}\n`);
    if (files.length === 0) {
      if (flags.json) printJson(results);
      return 1;
    }
    const api = connect(flags);
    const board = new ProgressBoard();
    const skipDuplicates = flags["skip-duplicates"] ?? false;
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
      let skipped: Image | undefined;
      try {
        const data = await readFile(file);
        const created = await api.createUpload(
          { data, filename: name, ...(type ? { contentType: type } : {}) },
          {
            ...(flags.tag ? { tags: flags.tag } : {}),
            ...(flags.note !== undefined ? { note: flags.note } : {}),
            ...(skipDuplicates
              ? { skipDuplicates, onSkipped: (existing: Image) => (skipped = existing) }
              : {}),
            onCreated: (image) => {
              id = image.id;
            },
            onProgress: ({ loaded, total }) =>
              update({ fraction: total ? loaded / total : 1, status: `uploading ${formatBytes(loaded)}` }),
          },
        );
        id = created.id;
        if (skipped) {
          update({ fraction: 1, status: `skipped: already uploaded as ${skipped.id} (${skipped.filename})` });
          return { file, ok: true, id: skipped.id, status: "skipped", image: skipped };
        }
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

    const runAll = async (items: typeof queue) => {
      let next = 0;
      const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
        while (next < items.length) {
          const item = items[next++];
          if (item) results.push(await one(item));
        }
      });
      await Promise.all(workers);
    };
    if (skipDuplicates) {
      // Two copies of one file in the same run: the first is uploaded, then the others, which the
      // server then reports as that first one's duplicates. Sent together, neither would see the other.
      const { first, again } = await splitCopies(queue);
      await runAll(first);
      await runAll(again);
    } else {
      await runAll(queue);
    }
    board.finish();

    const failed = results.filter((r) => !r.ok);
    const skippedCount = results.filter((r) => r.status === "skipped").length;
    if (flags.json) {
      // Results in the order the files were given.
      const order = new Map(files.map((f, i) => [f, i]));
      printJson(results.sort((a, b) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1)));
    } else {
      const skippedText = skippedCount ? `, ${skippedCount} skipped (already uploaded)` : "";
      process.stderr.write(
        `${results.length - failed.length - skippedCount} of ${results.length} uploaded${skippedText}${failed.length ? `, ${failed.length} failed` : ""}\n`,
      );
    }
    return failed.length ? 1 : 0;
  },
});

/** The files in `items` whose bytes an earlier file of `items` has (`again`), and the rest (`first`). */
async function splitCopies<T extends { file: string }>(items: T[]): Promise<{ first: T[]; again: T[] }> {
  const seen = new Set<string>();
  const first: T[] = [];
  const again: T[] = [];
  for (const item of items) {
    // A file that cannot be read goes first, where its upload reports why.
    const digest = await readFile(item.file)
      .then((data) => fileSha256(data))
      .catch(() => undefined);
    if (digest !== undefined && seen.has(digest)) again.push(item);
    else {
      if (digest !== undefined) seen.add(digest);
      first.push(item);
    }
  }
  return { first, again };
}
