/**
 * Search: the shapes shared by the ranking engine (`search-index.ts`), the index's storage and
 * maintenance (packages/adapters, packages/functions) and the routes `POST /images/search` and
 * `GET /images/{id}/similar` (shared API contract, "Search and duplicates").
 *
 * One index per user. A document is what search knows of one searchable image (ready, not deleted);
 * it is derived from the image record with `searchDocOf` and never holds anything the record does not.
 */

/** The fields a text match can be reported in (the contract's `matched`). */
export const SEARCH_FIELDS = ["description", "text", "tags", "note", "filename", "camera"] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

export type SearchMode = "hybrid" | "text" | "semantic";
export type SearchSort = "relevance" | "date";
export type SimilarKind = "duplicate" | "near_duplicate" | "similar";

export interface SearchDoc {
  id: string;
  /** ISO-8601, the image's `createdAt`: date sort and `from`/`to`. */
  createdAt: string;
  filename: string;
  camera?: string;
  note?: string;
  /** AI description. */
  description?: string;
  /** Text visible in the image (AI analysis). */
  text?: string;
  /** User and AI tags, lower-case. */
  tags: string[];
  /** SHA-256 of the original, 64 lower-case hex characters. */
  sha256?: string;
  /** Perceptual hash of the image, 16 hex characters (64 bits). */
  phash?: string;
  /** Embedding of the analysis text, unit length; absent without an embedding provider. */
  embedding?: number[];
  /** The record's `updatedAt` when the document was made: the newer of two documents wins. */
  version: string;
}

export interface SearchQuery {
  query: string;
  mode: SearchMode;
  /** The query's embedding (unit length) for `semantic` and `hybrid`; without it only text ranks. */
  queryVector?: number[];
  tag?: string;
  /** Inclusive ISO-8601 bounds on `createdAt`. */
  from?: string;
  to?: string;
  sort: SearchSort;
  /** 0–1: hits scoring below are dropped. */
  minScore?: number;
}

export interface SearchHit {
  id: string;
  /** 0–1, higher is better. */
  score: number;
  /** The fields the text matched in (empty for a semantic-only hit). */
  matched: SearchField[];
}

export interface SimilarHit {
  id: string;
  /** 0–1, higher is more alike. */
  score: number;
  kind: SimilarKind;
}

/** What the ranking engine offers; `SearchIndex` in `search-index.ts` implements it. */
export interface SearchEngine {
  readonly size: number;
  get(id: string): SearchDoc | undefined;
  /** Adds or replaces a document (by id). */
  upsert(doc: SearchDoc): void;
  /** Removes a document; nothing when absent. */
  remove(id: string): void;
  /** Every hit in rank order (exact: every document is scored), after filters and `minScore`. */
  search(query: SearchQuery): SearchHit[];
  /** The documents most like `id`, best first, without `id` itself; `[]` when `id` is absent. */
  similar(id: string, limit: number): SimilarHit[];
  /** A JSON-serialisable snapshot that `SearchIndex.load` restores exactly. */
  toJSON(): unknown;
}

/**
 * Turns text into unit-length vectors (the openai SDK's embeddings in packages/adapters). Absent when no
 * embedding provider is configured: search is then text-only.
 */
export interface EmbeddingProvider {
  readonly model: string;
  readonly dimensions: number;
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}
