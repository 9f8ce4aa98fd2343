/**
 * The ranking engine behind `POST /images/search` and `GET /images/{id}/similar`: one in-memory index
 * per user, serialisable to a compact snapshot that the storage layer keeps between invocations.
 *
 * Text ranking is minisearch's BM25 (with field boosts, prefix and fuzzy matching, English stemming),
 * vector ranking is an exact brute-force cosine over every document's embedding, and `hybrid` fuses
 * the two with reciprocal rank fusion. Everything is deterministic: ties are broken by id.
 */
import MiniSearch, { type AsPlainObject, type Options, type SearchOptions } from "minisearch";
import { stemmer } from "stemmer";
import * as z from "zod";
import {
  SEARCH_FIELDS,
  type SearchDoc,
  type SearchEngine,
  type SearchField,
  type SearchHit,
  type SearchQuery,
  type SimilarHit,
  type SimilarKind,
} from "./types.js";

/**
 * Snapshot format: `toJSON()` writes it, `SearchIndex.load` refuses anything else. A snapshot holds the
 * terms the text analysis below made (tokens, folding, stemming — hence `stemmer` pinned exactly), so
 * bump the version whenever that analysis or the stored shape changes: the store then rebuilds the
 * index from the records instead of loading terms the queries would no longer produce.
 */
export const SEARCH_INDEX_FORMAT = "picstack.search-index";
export const SEARCH_INDEX_FORMAT_VERSION = 1;

/**
 * Field boosts, multiplied into each field's BM25 score. Tags are few, curated words (the user's own or
 * the analysis' keywords), so a tag hit says most about what the image is. The note is the user's own
 * words about the image and the description the analysis' summary of it: both are about the whole
 * image. Filenames and camera names are short and deliberate but often say little (`IMG_2041.jpg`).
 * Visible text (OCR-like) is long and incidental — a screenshot can show any word — so it counts least.
 * BM25 already favours short fields through length normalisation; the boosts only order the fields.
 */
export const SEARCH_FIELD_BOOSTS: Readonly<Record<SearchField, number>> = {
  tags: 3,
  note: 2.5,
  description: 2,
  filename: 1.5,
  camera: 1.5,
  text: 1,
};

/**
 * Below this cosine a document is not a semantic hit at all: unrelated texts still have small positive
 * cosines with most embedding models (text-embedding-3 puts unrelated English texts at about 0–0.2), and
 * without a floor every image with an embedding would come back for every query.
 */
export const SEMANTIC_FLOOR = 0.2;

/** Reciprocal rank fusion's constant, the value its authors found robust (Cormack et al., 2009). */
export const RRF_K = 60;

/** Up to this many differing bits of the 64-bit perceptual hash, two images are near duplicates. */
export const NEAR_DUPLICATE_MAX_DISTANCE = 10;

/** Embedding cosine from which two images count as similar. */
export const SIMILAR_COSINE = 0.75;

/**
 * Offline similarity (no embeddings to compare): the other image's BM25 score for this image's tags and
 * description words, relative to this image's own score for them (1 ≈ the same words), from which it
 * counts as similar. The own score is dominated by the image's rarest words, so images sharing one or
 * two common words score about 0.02–0.08 and images sharing their subject (tags and several description
 * words) 0.15 and up: 0.1 sits between.
 */
export const SIMILAR_TEXT_FLOOR = 0.1;

/** A snapshot `SearchIndex.load` cannot read (another format, a newer version, or damaged data). */
export class SearchIndexFormatError extends Error {
  readonly code = "search_index_format";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SearchIndexFormatError";
  }
}

// ---------------------------------------------------------------------------------------------------
// Text analysis: the same functions index documents and read queries, so both sides agree on terms.

const WORD = /[\p{L}\p{N}]+/gu;
/** Parts of a compound word: `HTTPServer` → HTTP, Server; `lisbonHotel` → lisbon, Hotel; `IMG2041`. */
const PART = /\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+|\p{N}+|\p{L}+/gu;
const COMBINING_MARKS = /\p{M}+/gu;

/**
 * Words too common to say anything, dropped from queries (not from the index) unless the query has
 * nothing else: with OR matching, "receipt from the hotel" would otherwise also return every document
 * that merely says "the". A short list on purpose: only function words, never content words.
 */
const STOP_WORDS = new Set([
  "a",
  "an",
  "and",
  "are",
  "as",
  "at",
  "be",
  "by",
  "for",
  "from",
  "in",
  "is",
  "it",
  "of",
  "on",
  "or",
  "that",
  "the",
  "this",
  "to",
  "was",
  "with",
]);

/** Accents are not distinctions a searcher makes: "cafe" finds "Café", "Sao Paulo" finds "São Paulo". */
function fold(text: string): string {
  return text.normalize("NFKD").replace(COMBINING_MARKS, "");
}

/**
 * Index-side tokens: words split on anything that is not a letter or digit (so `IMG_2041.jpg` and
 * `lisbon-hotel_receipt.png` fall apart), and each compound word also as its parts (camelCase,
 * letter–digit boundaries), keeping the whole word too so a query for `iPhone` still matches `iPhone`.
 */
function indexTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const word of fold(text).match(WORD) ?? []) {
    tokens.push(word);
    const parts = word.match(PART);
    if (parts && parts.length > 1) tokens.push(...parts);
  }
  return tokens;
}

/**
 * The query's words, one per term (so "run running" does not count the term twice), less stop words
 * unless that would leave none.
 */
function queryWords(query: string): string[] {
  const byTerm = new Map<string, string>();
  for (const word of fold(query).toLowerCase().match(WORD) ?? []) {
    const term = normaliseTerm(word);
    if (!byTerm.has(term)) byTerm.set(term, word);
  }
  const words = [...byTerm.values()];
  const content = words.filter((word) => !STOP_WORDS.has(word));
  return content.length > 0 ? content : words;
}

const LATIN_WORD = /^[a-z]+$/;

/** Lower case, and English words stemmed (Porter) so "running", "runs" and "run" are one term. */
function normaliseTerm(term: string): string {
  const lower = term.toLowerCase();
  return LATIN_WORD.test(lower) ? stemmer(lower) : lower;
}

/** A field as a phrase is compared: its words, lower case, single-spaced; compounds also split. */
function phraseForms(value: string): string[] {
  const words = fold(value).match(WORD) ?? [];
  const whole = words.join(" ").toLowerCase();
  const split = words
    .flatMap((word) => word.match(PART) ?? [word])
    .join(" ")
    .toLowerCase();
  return whole === split ? [whole] : [whole, split];
}

function containsPhrase(doc: IndexedDoc, phrase: string): boolean {
  const needle = ` ${phrase} `;
  const values = [doc.description, doc.text, doc.note, doc.filename, doc.camera, ...doc.tags];
  return values.some(
    (value) => value !== undefined && phraseForms(value).some((form) => ` ${form} `.includes(needle)),
  );
}

const MINISEARCH_OPTIONS: Options<IndexedDoc> = {
  idField: "id",
  fields: [...SEARCH_FIELDS],
  storeFields: [],
  // Documents are removed with `remove` (exact), never `discard`, so there is nothing to vacuum and
  // scores never depend on when a vacuum last ran.
  autoVacuum: false,
  extractField: (doc, field) => {
    if (field === "tags") return doc.tags.join("\n");
    return (doc as unknown as Record<string, unknown>)[field];
  },
  tokenize: indexTokens,
  processTerm: normaliseTerm,
  searchOptions: { tokenize: queryWords, processTerm: normaliseTerm },
};

/**
 * Prefix matching from three characters ("lisb" finds Lisbon), typo tolerance from five (one edit:
 * "recipt" finds receipt) and nine (two edits). Shorter terms have too many neighbours at one edit
 * ("dog" would match "dot", "log", "do"), and a term with digits is a number or a code, where one
 * character more or less is another invoice or another error, not a typo. minisearch weighs prefix and
 * fuzzy matches below exact ones.
 */
const HAS_DIGIT = /\p{N}/u;

const TEXT_SEARCH: SearchOptions = {
  boost: { ...SEARCH_FIELD_BOOSTS },
  combineWith: "OR",
  prefix: (term) => term.length >= 3,
  fuzzy: (term) => (HAS_DIGIT.test(term) ? false : term.length >= 9 ? 2 : term.length >= 5 ? 1 : false),
};

/** The offline similarity query: exact terms only, in the fields that say what an image shows. */
const SIMILAR_SEARCH: SearchOptions = {
  fields: ["tags", "description"],
  boost: { tags: SEARCH_FIELD_BOOSTS.tags, description: SEARCH_FIELD_BOOSTS.description },
  combineWith: "OR",
  prefix: false,
  fuzzy: false,
};

// ---------------------------------------------------------------------------------------------------
// Vectors and hashes.

function normOf(vector: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i] ?? 0;
    sum += v * v;
  }
  return Math.sqrt(sum);
}

function dot(a: Float32Array | Float64Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

const PHASH = /^[0-9a-f]{16}$/i;

/** The 64-bit hash as two 32-bit halves, so the distance needs no BigInt. */
function phashBits(phash: string | undefined): [number, number] | undefined {
  if (phash === undefined || !PHASH.test(phash)) return undefined;
  return [Number.parseInt(phash.slice(0, 8), 16), Number.parseInt(phash.slice(8), 16)];
}

function popcount32(value: number): number {
  let x = value >>> 0;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function hamming(a: [number, number], b: [number, number]): number {
  return popcount32(a[0] ^ b[0]) + popcount32(a[1] ^ b[1]);
}

/**
 * Every document's embedding as float32 bytes (the platform's byte order: little-endian wherever Node
 * runs), concatenated in document order, as one base64 string: a quarter of the size of the numbers as
 * JSON text, and one decode instead of one per document when loading.
 */
function encodeVectors(vectors: Float32Array[]): string {
  let length = 0;
  for (const vector of vectors) length += vector.length;
  const packed = new Float32Array(length);
  let offset = 0;
  for (const vector of vectors) {
    packed.set(vector, offset);
    offset += vector.length;
  }
  return Buffer.from(packed.buffer).toString("base64");
}

function decodeVectors(base64: string): Float32Array {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.byteLength % 4 !== 0)
    throw new SearchIndexFormatError("The embeddings are not whole float32 values");
  // Copied when the bytes do not start on a multiple of 4 (a small Buffer may sit inside a shared pool).
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}

// ---------------------------------------------------------------------------------------------------
// The index.

/** A document without its embedding: that lives in `Entry.vector`. */
type IndexedDoc = Omit<SearchDoc, "embedding">;

/** A document as the index keeps it: the embedding as float32 (half the memory), and derived values. */
interface Entry {
  doc: IndexedDoc;
  created: number;
  vector?: Float32Array;
  norm: number;
  phash?: [number, number];
}

interface Ranked {
  id: string;
  score: number;
  matched: SearchField[];
}

/** Loose: a field added to `SearchDoc` later survives a snapshot that went through an older reader. */
const storedDocSchema = z.looseObject({
  id: z.string(),
  createdAt: z.string(),
  filename: z.string(),
  camera: z.string().optional(),
  note: z.string().optional(),
  description: z.string().optional(),
  text: z.string().optional(),
  tags: z.array(z.string()),
  sha256: z.string().optional(),
  phash: z.string().optional(),
  /** The length of the document's embedding in `vectors`, when it has one. */
  dimensions: z.number().int().positive().optional(),
  version: z.string(),
});
type StoredDoc = z.infer<typeof storedDocSchema>;

const snapshotSchema = z.object({
  format: z.literal(SEARCH_INDEX_FORMAT),
  version: z.literal(SEARCH_INDEX_FORMAT_VERSION),
  /** minisearch's own serialisation of the inverted index (`MiniSearch#toJSON`). */
  index: z.looseObject({ serializationVersion: z.number(), documentCount: z.number() }),
  docs: z.array(storedDocSchema),
  /** The embeddings of `docs`, in their order (`encodeVectors`). */
  vectors: z.string(),
});

/** The snapshot `toJSON()` returns (JSON-serialisable as it is). */
export type SearchIndexSnapshot = z.infer<typeof snapshotSchema>;

/** Inclusive bounds in epoch milliseconds; a bare date as `to` covers that whole day (as listing does). */
function boundsOf(query: SearchQuery): { from: number; to: number } {
  const from = query.from === undefined ? Number.NEGATIVE_INFINITY : Date.parse(query.from);
  const to =
    query.to === undefined
      ? Number.POSITIVE_INFINITY
      : Date.parse(query.to.length === 10 ? `${query.to}T23:59:59.999Z` : query.to);
  if (Number.isNaN(from) || Number.isNaN(to)) throw new RangeError("`from` and `to` must be ISO-8601 dates");
  return { from, to };
}

function byScoreThenId(a: { id: string; score: number }, b: { id: string; score: number }): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function matchedFields(match: Record<string, string[]>): SearchField[] {
  const fields = new Set(Object.values(match).flat());
  return SEARCH_FIELDS.filter((field) => fields.has(field));
}

const KIND_ORDER: Record<SimilarKind, number> = { duplicate: 0, near_duplicate: 1, similar: 2 };

/**
 * @example
 * const index = SearchIndex.empty();
 * index.upsert(doc);
 * const hits = index.search({ query: "hotel receipt", mode: "text", sort: "relevance" });
 * const restored = SearchIndex.load(JSON.parse(JSON.stringify(index)));
 */
export class SearchIndex implements SearchEngine {
  private constructor(
    private readonly mini: MiniSearch<IndexedDoc>,
    private readonly entries: Map<string, Entry>,
  ) {}

  static empty(): SearchIndex {
    return new SearchIndex(new MiniSearch(MINISEARCH_OPTIONS), new Map());
  }

  /** Restores a `toJSON()` snapshot; throws `SearchIndexFormatError` for anything else. */
  static load(json: unknown): SearchIndex {
    const parsed = snapshotSchema.safeParse(json);
    if (!parsed.success)
      throw new SearchIndexFormatError(`Not a search index snapshot: ${parsed.error.message}`);
    const snapshot = parsed.data;
    let mini: MiniSearch<IndexedDoc>;
    try {
      mini = MiniSearch.loadJS(snapshot.index as unknown as AsPlainObject, MINISEARCH_OPTIONS);
    } catch (error) {
      throw new SearchIndexFormatError("The snapshot's inverted index cannot be read", { cause: error });
    }
    const vectors = decodeVectors(snapshot.vectors);
    const entries = new Map<string, Entry>();
    let offset = 0;
    for (const stored of snapshot.docs) {
      const { dimensions, ...doc } = stored;
      let vector: Float32Array | undefined;
      if (dimensions !== undefined) {
        if (offset + dimensions > vectors.length)
          throw new SearchIndexFormatError("The embeddings are cut short");
        // A view, not a copy: the documents' vectors share the one decoded buffer.
        vector = vectors.subarray(offset, offset + dimensions);
        offset += dimensions;
      }
      entries.set(doc.id, entryOf(doc, vector));
    }
    if (offset !== vectors.length)
      throw new SearchIndexFormatError("The embeddings do not match the documents");
    if (entries.size !== mini.documentCount || [...entries.keys()].some((id) => !mini.has(id))) {
      throw new SearchIndexFormatError("The snapshot's documents and inverted index disagree");
    }
    return new SearchIndex(mini, entries);
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: string): SearchDoc | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    // The embedding comes back as the float32 values the index keeps.
    // A copy: the index removes a document by the very terms it added, so its own must stay unchanged.
    const doc: SearchDoc = { ...entry.doc, tags: [...entry.doc.tags] };
    if (entry.vector) doc.embedding = Array.from(entry.vector);
    return doc;
  }

  upsert(doc: SearchDoc): void {
    this.remove(doc.id);
    const { embedding, ...rest } = doc;
    const vector = embedding && embedding.length > 0 ? Float32Array.from(embedding) : undefined;
    const entry = entryOf({ ...rest, tags: [...rest.tags] }, vector);
    this.mini.add(entry.doc);
    this.entries.set(doc.id, entry);
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    // `remove` (not `discard`) takes the document's terms out of the index now, from the very document
    // that was added, so document frequencies are exact at once.
    this.mini.remove(entry.doc);
    this.entries.delete(id);
  }

  /**
   * Scores, as the API exposes them:
   * - text: the hit's BM25 score divided by the best hit's (after filters), so the best text hit is 1;
   *   hits containing the whole query phrase are ranked first (see `textRanking`).
   * - semantic: the cosine of the query's and the image's embeddings (from `SEMANTIC_FLOOR` up).
   * - hybrid: reciprocal rank fusion of the two rankings, divided by its maximum 2/(k+1), so an image
   *   ranked first by both is 1 and one ranked first by only one of them is about 0.5.
   * `minScore` applies to that final score. `sort: "date"` reorders the surviving hits newest first.
   * Without `queryVector` only text ranks, whatever the mode.
   */
  search(query: SearchQuery): SearchHit[] {
    const { from, to } = boundsOf(query);
    const tag = query.tag?.toLowerCase();
    const passes = (entry: Entry): boolean =>
      entry.created >= from && entry.created <= to && (tag === undefined || entry.doc.tags.includes(tag));

    let hits: Ranked[];
    const vector = query.queryVector;
    if (vector === undefined || vector.length === 0 || query.mode === "text") {
      hits = this.textRanking(query.query, passes);
    } else if (query.mode === "semantic") {
      hits = this.vectorRanking(vector, passes);
    } else {
      hits = fuse(this.textRanking(query.query, passes), this.vectorRanking(vector, passes));
    }

    const minScore = query.minScore ?? 0;
    const kept = hits.filter((hit) => hit.score >= minScore);
    if (query.sort === "date") {
      kept.sort((a, b) => {
        const ea = this.entries.get(a.id)?.created ?? 0;
        const eb = this.entries.get(b.id)?.created ?? 0;
        return eb - ea || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      });
    }
    return kept.map(({ id, score, matched }) => ({ id, score, matched }));
  }

  /**
   * Order: same bytes (`duplicate`, 1), then a close perceptual hash (`near_duplicate`, 1 − d/64), then
   * `similar` by score: the embeddings' cosine where both images have one (same dimensions), otherwise
   * shared tags and description words. Each image appears once, as the strongest kind it qualifies for.
   */
  similar(id: string, limit: number): SimilarHit[] {
    const target = this.entries.get(id);
    if (!target || limit <= 0) return [];
    const found = new Map<string, SimilarHit>();

    const sha = target.doc.sha256;
    for (const [otherId, other] of this.entries) {
      if (otherId === id) continue;
      if (sha !== undefined && other.doc.sha256 === sha) {
        found.set(otherId, { id: otherId, score: 1, kind: "duplicate" });
        continue;
      }
      if (target.phash && other.phash) {
        const distance = hamming(target.phash, other.phash);
        if (distance <= NEAR_DUPLICATE_MAX_DISTANCE) {
          found.set(otherId, { id: otherId, score: 1 - distance / 64, kind: "near_duplicate" });
          continue;
        }
      }
      if (target.vector && other.vector && other.vector.length === target.vector.length) {
        const cosine = dot(target.vector, other.vector) / (target.norm * other.norm);
        if (cosine >= SIMILAR_COSINE)
          found.set(otherId, { id: otherId, score: clamp01(cosine), kind: "similar" });
      }
    }

    const comparableByVector = (other: Entry): boolean =>
      target.vector !== undefined &&
      other.vector !== undefined &&
      other.vector.length === target.vector.length;
    const words = [...target.doc.tags, target.doc.description ?? ""].join(" ");
    if (words.trim() !== "") {
      const results = this.mini.search(words, SIMILAR_SEARCH);
      const own = results.find((result) => result.id === id)?.score;
      if (own !== undefined && own > 0) {
        for (const result of results) {
          const otherId = result.id as string;
          const other = this.entries.get(otherId);
          if (otherId === id || !other || found.has(otherId) || comparableByVector(other)) continue;
          const score = clamp01(result.score / own);
          if (score >= SIMILAR_TEXT_FLOOR) found.set(otherId, { id: otherId, score, kind: "similar" });
        }
      }
    }

    return [...found.values()]
      .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || byScoreThenId(a, b))
      .slice(0, limit);
  }

  toJSON(): SearchIndexSnapshot {
    const docs: StoredDoc[] = [];
    const vectors: Float32Array[] = [];
    for (const entry of this.entries.values()) {
      if (entry.vector) {
        docs.push({ ...entry.doc, dimensions: entry.vector.length });
        vectors.push(entry.vector);
      } else {
        docs.push(entry.doc);
      }
    }
    const index = this.mini.toJSON();
    // minisearch lists the terms in the order its radix tree iterates them, which visits each node's
    // children last-inserted first. Reversed, that list rebuilds a tree with every node's children in
    // the same order as here, so prefix and fuzzy expansions come in the same order, scores are summed
    // in the same order, and a loaded index scores bit for bit like this one (not just to 1e-15).
    index.index.reverse();
    return {
      format: SEARCH_INDEX_FORMAT,
      version: SEARCH_INDEX_FORMAT_VERSION,
      index: index as unknown as SearchIndexSnapshot["index"],
      docs,
      vectors: encodeVectors(vectors),
    };
  }

  /**
   * BM25 over the fields, then the exact phrase first: a multi-word query found as a whole phrase (its
   * words in order, normalised) in any one field outranks every hit that only has some of the words.
   * To keep one score scale, each phrase hit's raw score is raised by the best raw score among the other
   * hits before dividing by the top; BM25 alone cannot promise that order, since a long, repetitive
   * field can outscore the phrase.
   */
  private textRanking(query: string, passes: (entry: Entry) => boolean): Ranked[] {
    const results = this.mini.search(query, TEXT_SEARCH);
    const words = fold(query).toLowerCase().match(WORD) ?? [];
    const phrase = words.length >= 2 ? words.join(" ") : undefined;
    const termCount = new Set(queryWords(query).map(normaliseTerm)).size;

    const hits: Array<Ranked & { raw: number; phrase: boolean }> = [];
    for (const result of results) {
      const entry = this.entries.get(result.id as string);
      if (!entry || !passes(entry)) continue;
      // A document holding the phrase matched every query term exactly, so most can skip the check.
      const hasPhrase =
        phrase !== undefined && result.terms.length >= termCount && containsPhrase(entry.doc, phrase);
      hits.push({
        id: entry.doc.id,
        raw: result.score,
        score: 0,
        phrase: hasPhrase,
        matched: matchedFields(result.match),
      });
    }
    let ceiling = 0;
    for (const hit of hits) if (!hit.phrase) ceiling = Math.max(ceiling, hit.raw);
    for (const hit of hits) hit.score = hit.phrase ? hit.raw + ceiling : hit.raw;
    hits.sort(byScoreThenId);
    const top = hits[0]?.score ?? 1;
    return hits.map(({ id, score, matched }) => ({ id, score: clamp01(score / top), matched }));
  }

  /** Exact: every document with an embedding of the query's dimensions is scored. */
  private vectorRanking(queryVector: number[], passes: (entry: Entry) => boolean): Ranked[] {
    const query = Float64Array.from(queryVector);
    let queryNorm = 0;
    for (const v of query) queryNorm += v * v;
    queryNorm = Math.sqrt(queryNorm);
    if (queryNorm === 0) return [];
    const hits: Ranked[] = [];
    for (const entry of this.entries.values()) {
      if (!entry.vector || entry.vector.length !== query.length || !passes(entry)) continue;
      const cosine = dot(query, entry.vector) / (queryNorm * entry.norm);
      if (cosine >= SEMANTIC_FLOOR) hits.push({ id: entry.doc.id, score: clamp01(cosine), matched: [] });
    }
    return hits.sort(byScoreThenId);
  }
}

function entryOf(doc: IndexedDoc, vector: Float32Array | undefined): Entry {
  const entry: Entry = { doc, created: Date.parse(doc.createdAt), norm: 0 };
  if (vector) {
    const norm = normOf(vector);
    // A zero vector has no direction: the image simply takes no part in vector ranking.
    if (norm > 0) {
      entry.vector = vector;
      entry.norm = norm;
    }
  }
  const phash = phashBits(doc.phash);
  if (phash) entry.phash = phash;
  return entry;
}

/** Reciprocal rank fusion (k = 60) of the text and vector rankings, scaled so 1 is first in both. */
function fuse(text: Ranked[], vector: Ranked[]): Ranked[] {
  const fused = new Map<string, Ranked>();
  const add = (ranking: Ranked[]) => {
    ranking.forEach((hit, index) => {
      const share = 1 / (RRF_K + index + 1);
      const known = fused.get(hit.id);
      if (known) known.score += share;
      else fused.set(hit.id, { id: hit.id, score: share, matched: hit.matched });
    });
  };
  add(text);
  add(vector);
  const max = 2 / (RRF_K + 1);
  return [...fused.values()].map((hit) => ({ ...hit, score: clamp01(hit.score / max) })).sort(byScoreThenId);
}
