/**
 * `picstack search "<query>"`: the caller's images ranked for a query (words, and meaning where the
 * server has embeddings), as a table or as JSON; one page, or every page with `--all`.
 */
import {
  type SearchMode,
  type SearchPage,
  type SearchParams,
  type SearchResult,
  SemanticUnavailableError,
} from "@picstack/sdk";
import { connectionOptions, defineCommand } from "../command-line.js";
import { connect } from "../connection.js";
import { integer, score, toIso } from "../option-values.js";
import { CliError, printJson, table } from "../output.js";

const MODES: readonly SearchMode[] = ["hybrid", "text", "semantic"];
const SORTS = ["relevance", "date"] as const;
/** The API's bound on a query's length. */
const MAX_QUERY = 500;

/** One result as a table row: its rank in the order given, score to two places, where it matched. */
export function resultRow(result: SearchResult, rank: number): string[] {
  return [
    String(rank),
    result.image.id,
    result.score.toFixed(2),
    result.matched.join(",") || "-",
    result.image.tags.join(",") || "-",
    result.image.filename,
  ];
}

export const RESULT_HEADER = ["#", "ID", "SCORE", "MATCHED", "TAGS", "FILENAME"];

export const search = defineCommand({
  name: "search",
  args: '"<query>"',
  summary: "search images, best match first (description, text, tags, note, filename, camera)",
  options: {
    // Repeatable only so that a second one is refused rather than silently replacing the first.
    tag: { type: "string", multiple: true, value: "<tag>", help: "only images with this tag" },
    from: { type: "string", value: "<date>", help: "created at or after (YYYY-MM-DD or ISO-8601)" },
    to: {
      type: "string",
      value: "<date>",
      help: "created at or before (YYYY-MM-DD: to its end, or ISO-8601)",
    },
    mode: {
      type: "string",
      value: "<hybrid|text|semantic>",
      help: "by words, by meaning, or both (the API's default: hybrid)",
    },
    sort: { type: "string", value: "<relevance|date>", help: "best first (relevance) or newest first" },
    "min-score": { type: "string", value: "<0-1>", help: "leave out results scoring lower" },
    limit: { type: "string", value: "<1-50>", help: "results per page (the API's default is 20)" },
    all: { type: "boolean", help: "follow every page" },
    ...connectionOptions,
  },
  async run(flags, words) {
    // The words of an unquoted query are one query.
    const query = words.join(" ").trim();
    if (!query) throw new CliError('search needs a query: picstack search "<words>"', 2);
    if (query.length > MAX_QUERY) throw new CliError(`a query is at most ${MAX_QUERY} characters`, 2);
    if (flags.mode !== undefined && !MODES.includes(flags.mode as SearchMode)) {
      throw new CliError("--mode must be hybrid, text or semantic", 2);
    }
    if (flags.sort !== undefined && !(SORTS as readonly string[]).includes(flags.sort)) {
      throw new CliError("--sort must be relevance or date", 2);
    }
    if ((flags.tag?.length ?? 0) > 1) throw new CliError("search filters by one --tag at a time", 2);
    const params: SearchParams = { query };
    const limit = integer(flags.limit, "limit", 1, 50);
    if (limit !== undefined) params.limit = limit;
    if (flags.tag?.[0]) params.tag = flags.tag[0];
    const from = toIso(flags.from, "from", false);
    const to = toIso(flags.to, "to", true);
    if (from) params.from = from;
    if (to) params.to = to;
    if (flags.mode) params.mode = flags.mode as SearchMode;
    if (flags.sort) params.sort = flags.sort as (typeof SORTS)[number];
    const minScore = score(flags["min-score"], "min-score");
    if (minScore !== undefined) params.minScore = minScore;

    const api = connect(flags);
    let page: SearchPage;
    try {
      page = await api.search(params);
      if (flags.all) {
        const items = [...page.items];
        while (page.nextCursor) {
          page = await api.search({ ...params, cursor: page.nextCursor });
          items.push(...page.items);
        }
        page = { ...page, items };
      }
    } catch (error) {
      if (error instanceof SemanticUnavailableError && !flags.json) {
        process.stderr.write(
          "semantic search needs an embedding provider on the server: try --mode hybrid or text\n",
        );
      }
      throw error;
    }
    const { items, nextCursor, mode } = page;
    if (flags.json) {
      printJson(flags.all ? { items, mode } : { items, nextCursor, mode });
      return 0;
    }
    // Said only when it is news: hybrid answered by words alone means the server has no embeddings.
    if (mode !== (params.mode ?? "hybrid")) {
      process.stderr.write(`searched by ${mode} only: the server has no embedding provider\n`);
    }
    if (items.length === 0) {
      process.stdout.write(nextCursor ? "no results on this page\n" : "no results\n");
      if (nextCursor) process.stderr.write("more results may follow: use --all\n");
      return 0;
    }
    process.stdout.write(`${table([RESULT_HEADER, ...items.map((r, i) => resultRow(r, i + 1))])}\n`);
    if (nextCursor) process.stderr.write("more results: use --all, or a larger --limit\n");
    return 0;
  },
});
