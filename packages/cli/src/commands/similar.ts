/** `picstack similar <id>`: the caller's images most like one: duplicates, near duplicates, then similar. */
import type { SimilarResult } from "@picstack/sdk";
import { connectionOptions, defineCommand } from "../command-line.js";
import { connect } from "../connection.js";
import { integer } from "../option-values.js";
import { CliError, printJson, table } from "../output.js";

export function similarRow(result: SimilarResult): string[] {
  return [result.kind, result.score.toFixed(2), result.image.id, result.image.filename];
}

export const SIMILAR_HEADER = ["KIND", "SCORE", "ID", "FILENAME"];

export const similar = defineCommand({
  name: "similar",
  args: "<id>",
  summary: "the images most like one: the same file, the same picture, or alike ones",
  options: {
    limit: { type: "string", value: "<1-50>", help: "how many (the API's default is 20)" },
    ...connectionOptions,
  },
  async run(flags, ids) {
    if (ids.length !== 1) throw new CliError("similar takes one image id", 2);
    const limit = integer(flags.limit, "limit", 1, 50);
    const { items } = await connect(flags).similar(ids[0] as string, limit === undefined ? {} : { limit });
    if (flags.json) {
      printJson({ items });
      return 0;
    }
    if (items.length === 0) {
      process.stdout.write("no similar images\n");
      return 0;
    }
    process.stdout.write(`${table([SIMILAR_HEADER, ...items.map(similarRow)])}\n`);
    return 0;
  },
});
