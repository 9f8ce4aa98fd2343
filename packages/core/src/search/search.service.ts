/**
 * `POST /images/search` and `GET /images/{id}/similar`: rank the caller's own index, then answer with
 * the current records of the page's hits (shared API contract, "Search and duplicates").
 *
 * The index (a snapshot plus pending changes, docs/search.md) is fresh for every change the pipeline
 * made; the records are read again anyway, and any hit whose record is missing, deleted or another
 * user's is dropped, so the answer never shows what the caller may not see.
 */
import * as z from "zod";
import type { SearchPage, SimilarPage } from "../api-schemas.js";
import type { CursorCodec } from "../cursor.js";
import { InvalidCursorError } from "../cursor.js";
import { DomainError } from "../errors.js";
import { getOwnedImage, presignImageUrls } from "../get-image.service.js";
import { type Image, type ImageRecord, toImage } from "../image.js";
import { InvalidRangeError } from "../manage-images.service.js";
import { NOT_BLANK, textUpTo } from "../patterns.js";
import type { ImageRepository, ObjectStore } from "../ports.js";
import { MAX_TAG_LENGTH } from "../tags.js";
import type { EmbeddingProvider, SearchEngine, SearchMode, SearchQuery } from "./types.js";

const isoDate = z.iso.datetime({ offset: true }).or(z.iso.date());

export const MAX_QUERY_LENGTH = 500;
export const MAX_SEARCH_LIMIT = 50;

export const searchImagesInput = z.strictObject({
  query: textUpTo(MAX_QUERY_LENGTH).regex(NOT_BLANK, "must not be blank").describe("What to look for"),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(20).describe("Page size, 1–50 (default 20)"),
  cursor: z.string().min(1).max(2048).optional(),
  tag: textUpTo(MAX_TAG_LENGTH).regex(NOT_BLANK, "must not be blank").trim().toLowerCase().optional(),
  from: isoDate.optional().describe("Inclusive lower bound on `createdAt`"),
  to: isoDate.optional().describe("Inclusive upper bound on `createdAt`; a bare date covers the day"),
  mode: z.enum(["hybrid", "text", "semantic"]).default("hybrid"),
  sort: z.enum(["relevance", "date"]).default("relevance"),
  minScore: z.number().min(0).max(1).optional().describe("Hits scoring below are left out"),
});
export type SearchImagesInput = z.infer<typeof searchImagesInput>;

/** 1–50 as the query string carries it: digits only, leading zeros allowed. */
export const SIMILAR_LIMIT_PATTERN = /^(?:0{0,2}[1-9]|0?[1-4][0-9]|0?50)$/;

export const similarImagesQuery = z.strictObject({
  limit: z
    .string()
    .regex(SIMILAR_LIMIT_PATTERN, "must be a whole number from 1 to 50")
    .prefault("20")
    .transform(Number)
    .describe("How many, 1–50 (default 20)"),
});
export type SimilarImagesQuery = z.infer<typeof similarImagesQuery>;

/** `semantic` asked of a deployment without an embedding provider. */
export class SemanticUnavailableError extends DomainError {
  readonly code = "semantic_unavailable";
  constructor() {
    super("Semantic search needs an embedding provider, and none is configured; use mode text or hybrid");
  }
}

/** The embedding provider failed for a `semantic` search (a `hybrid` one answers from text instead). */
export class EmbeddingUnavailableError extends DomainError {
  readonly code = "embedding_unavailable";
  constructor() {
    super("The embedding provider did not answer; retry later, or search with mode text");
  }
}

/** Where a user's current index comes from (packages/adapters SearchIndexStore). */
export interface SearchIndexSource {
  index(userId: string): Promise<{ engine: SearchEngine; pending: number }>;
}

export interface SearchDeps {
  images: ImageRepository;
  objects: ObjectStore;
  indexes: SearchIndexSource;
  cursors: CursorCodec;
  /** Absent without an embedding provider: search is text only. */
  embeddings?: QueryEmbeddings;
  /** Asks for a compaction when many changes are pending (best effort: never fails the search). */
  requestCompaction?: (userId: string) => Promise<void>;
  /** Pending changes above which a search asks for a compaction. */
  compactAbove?: number;
  /** Told of what a search degraded or dropped, for the logs. */
  warn?: (message: string, detail: Record<string, unknown>) => void;
}

/** Query embeddings through a small LRU: the same query typed again costs no provider call. */
export class QueryEmbeddings {
  private readonly cache = new Map<string, number[]>();
  constructor(
    readonly provider: EmbeddingProvider,
    private readonly size = 500,
  ) {}

  async embed(text: string): Promise<number[]> {
    const key = `${this.provider.model}\u0000${text}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const [vector] = await this.provider.embed([text]);
    if (!vector) throw new Error("The embedding provider answered no vector");
    this.cache.set(key, vector);
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= this.size) break;
      this.cache.delete(oldest);
    }
    return vector;
  }
}

/** `from`/`to` as full ISO timestamps; a bare date covers that whole day. */
function bounds(input: { from?: string; to?: string }): { from?: string; to?: string } {
  const from = input.from ? new Date(input.from).toISOString() : undefined;
  const to = input.to
    ? input.to.length === 10
      ? new Date(`${input.to}T23:59:59.999Z`).toISOString()
      : new Date(input.to).toISOString()
    : undefined;
  if (from && to && from > to) throw new InvalidRangeError("`from` must not be after `to`");
  return { from, to };
}

/** The ranking mode and query vector, given what was asked and what the deployment has. */
async function rankingOf(
  deps: SearchDeps,
  query: string,
  requested: SearchMode,
): Promise<{ mode: SearchMode; queryVector?: number[] }> {
  if (requested === "text") return { mode: "text" };
  if (!deps.embeddings) {
    if (requested === "semantic") throw new SemanticUnavailableError();
    return { mode: "text" };
  }
  try {
    return { mode: requested, queryVector: await deps.embeddings.embed(query) };
  } catch (error) {
    if (requested === "semantic") throw new EmbeddingUnavailableError();
    deps.warn?.("query embedding failed; answering from text", { error: String(error) });
    return { mode: "text" };
  }
}

async function askForCompaction(
  deps: Pick<SearchDeps, "requestCompaction" | "compactAbove" | "warn">,
  userId: string,
  pending: number,
): Promise<void> {
  if (!deps.requestCompaction || pending <= (deps.compactAbove ?? 100)) return;
  try {
    await deps.requestCompaction(userId);
  } catch (error) {
    deps.warn?.("could not ask for a search index compaction", { pending, error: String(error) });
  }
}

/** The records of `ids` the caller may see, in order: missing, deleted and other users' ones dropped. */
async function visibleRecords(
  deps: Pick<SearchDeps, "images" | "warn">,
  userId: string,
  ids: string[],
): Promise<Map<string, ImageRecord>> {
  const records = await deps.images.getMany(ids);
  const visible = new Map<string, ImageRecord>();
  let dropped = 0;
  records.forEach((record, i) => {
    if (record && record.userId === userId && !record.deletedAt) visible.set(ids[i] as string, record);
    else dropped++;
  });
  if (dropped) deps.warn?.("search hits without a visible record were dropped", { dropped });
  return visible;
}

export async function searchImages(
  deps: SearchDeps,
  userId: string,
  input: SearchImagesInput,
): Promise<SearchPage> {
  const { from, to } = bounds(input);
  const query = input.query.trim();
  // Bound to the user and everything that shapes the ranking, as list cursors are.
  const binding = JSON.stringify([
    "search",
    userId,
    query,
    input.limit,
    input.tag,
    from,
    to,
    input.mode,
    input.sort,
    input.minScore,
  ]);
  let offset = 0;
  if (input.cursor) {
    const key = deps.cursors.decode(input.cursor, binding);
    offset = Number(key.o);
    if (!Number.isSafeInteger(offset) || offset < 0 || String(offset) !== key.o) {
      throw new InvalidCursorError();
    }
  }
  const [{ engine, pending }, ranking] = await Promise.all([
    deps.indexes.index(userId),
    rankingOf(deps, query, input.mode),
  ]);
  await askForCompaction(deps, userId, pending);
  const searchQuery: SearchQuery = { query, mode: ranking.mode, sort: input.sort };
  if (ranking.queryVector) searchQuery.queryVector = ranking.queryVector;
  if (input.tag) searchQuery.tag = input.tag;
  if (from) searchQuery.from = from;
  if (to) searchQuery.to = to;
  if (input.minScore !== undefined) searchQuery.minScore = input.minScore;
  // Exact: the engine scores every document; the page is a slice of the full ranking.
  const hits = engine.search(searchQuery);
  const page = hits.slice(offset, offset + input.limit);
  const records = await visibleRecords(
    deps,
    userId,
    page.map((hit) => hit.id),
  );
  const items = await withImages(deps, page, records, (hit) => ({ matched: hit.matched }));
  const next = offset + input.limit;
  return {
    items,
    nextCursor: next < hits.length ? deps.cursors.encode({ o: String(next) }, binding) : null,
    mode: ranking.mode,
  };
}

/**
 * The hits whose record is still visible, in rank order, each with its image (presigned URLs), its
 * clamped score and what `extra` adds (the matched fields of a search, the kind of a similar image).
 */
async function withImages<H extends { id: string; score: number }, E extends object>(
  deps: Pick<SearchDeps, "objects">,
  hits: H[],
  records: Map<string, ImageRecord>,
  extra: (hit: H) => E,
): Promise<Array<{ image: Image; score: number } & E>> {
  return Promise.all(
    hits.flatMap((hit) => {
      const record = records.get(hit.id);
      if (!record) return [];
      return [
        (async () => ({
          image: toImage(record, await presignImageUrls(deps.objects, record)),
          score: clamp(hit.score),
          ...extra(hit),
        }))(),
      ];
    }),
  );
}

export async function similarImages(
  deps: Pick<SearchDeps, "images" | "objects" | "indexes" | "requestCompaction" | "compactAbove" | "warn">,
  userId: string,
  id: string,
  query: SimilarImagesQuery,
): Promise<SimilarPage> {
  // Another user's image, a deleted or a missing one: 404, as GET answers.
  await getOwnedImage(deps.images, userId, id);
  const { engine, pending } = await deps.indexes.index(userId);
  await askForCompaction(deps, userId, pending);
  const hits = engine.similar(id, query.limit);
  const records = await visibleRecords(
    deps,
    userId,
    hits.map((hit) => hit.id),
  );
  const items = await withImages(deps, hits, records, (hit) => ({ kind: hit.kind }));
  return { items };
}

const clamp = (score: number) => Math.min(1, Math.max(0, score));
