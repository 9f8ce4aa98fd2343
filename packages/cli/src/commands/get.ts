/** `picstack get <id>`: one image, with its analysis and presigned URLs. */
import { connectionOptions, defineCommand } from "../command-line.js";
import { connect } from "../connection.js";
import { CliError, formatBytes, printJson, table } from "../output.js";

export const get = defineCommand({
  name: "get",
  args: "<id>",
  summary: "one image, with its analysis and URLs",
  options: { ...connectionOptions },
  async run(flags, ids) {
    if (ids.length !== 1) throw new CliError("get takes one image id", 2);
    const image = await connect(flags).getImage(ids[0] as string);
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
  },
});
