/** `picstack ls`: one page of images, or every page with `--all`, as a table or as JSON. */
import type { Image, ListImagesQuery } from "@picstack/sdk";
import { connectionOptions, defineCommand } from "../command-line.js";
import { connect } from "../connection.js";
import { integer, toIso } from "../option-values.js";
import { CliError, formatBytes, printJson, table } from "../output.js";

const STATUSES = ["pending", "processing", "ready", "failed"];

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

export const ls = defineCommand({
  name: "ls",
  summary: "list images, newest first",
  options: {
    // Repeatable only so that a second one is refused rather than silently replacing the first.
    tag: { type: "string", multiple: true, value: "<tag>", help: "only images with this tag" },
    status: { type: "string", value: "<status>", help: "only pending, processing, ready or failed images" },
    from: { type: "string", value: "<date>", help: "created at or after (YYYY-MM-DD or ISO-8601)" },
    to: {
      type: "string",
      value: "<date>",
      help: "created at or before (YYYY-MM-DD: to its end, or ISO-8601)",
    },
    order: { type: "string", value: "<desc|asc>", help: "newest first (desc) or oldest first" },
    limit: { type: "string", value: "<1-100>", help: "images per page (the API's default is 20)" },
    all: { type: "boolean", help: "follow every page" },
    ...connectionOptions,
  },
  async run(flags, args) {
    if (args.length > 0) throw new CliError(`ls takes no arguments (got ${args.join(" ")})`, 2);
    const status = flags.status;
    if (status !== undefined && !STATUSES.includes(status)) {
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
    if (flags.order) query.order = flags.order;
    if ((flags.tag?.length ?? 0) > 1) throw new CliError("ls filters by one --tag at a time", 2);

    const api = connect(flags);
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
  },
});
