/**
 * The search results for the submitted query and the tag and date filters: the first page, the pages
 * after it, the mode the API answered in, and what went wrong in words. A change of query or filters
 * starts again; a page that arrives for an older one is dropped.
 */
import {
  type Image,
  type PicstackClient,
  PicstackError,
  type SearchMode,
  type SearchPage,
  type SearchParams,
  type SearchResult,
  SemanticUnavailableError,
} from "@picstack/sdk";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Filters } from "./filters.js";

export const SEARCH_PAGE_SIZE = 24;

/** What the user asked: the words and the mode; no query means the normal grid. */
export interface SearchRequest {
  query: string;
  mode: SearchMode;
}

export interface SearchState {
  items: SearchResult[];
  nextCursor: string | null;
  /** The mode that answered the first page (hybrid falls back to text without embeddings). */
  mode: SearchMode | undefined;
  loading: boolean;
  /** The first page for this query has arrived. */
  loaded: boolean;
  /** Why the search failed, for a person. */
  error: string | undefined;
  tagCounts: ReadonlyMap<string, number>;
  loadMore: () => void;
  /** A newer copy of an image in the results (from the details dialog). */
  refresh: (image: Image) => void;
  removeItem: (id: string) => void;
}

export function toSearchParams(request: SearchRequest, filters: Filters): SearchParams {
  const params: SearchParams = { query: request.query, mode: request.mode, limit: SEARCH_PAGE_SIZE };
  if (filters.tag) params.tag = filters.tag;
  if (filters.from) params.from = new Date(`${filters.from}T00:00:00.000Z`).toISOString();
  if (filters.to) params.to = new Date(`${filters.to}T23:59:59.999Z`).toISOString();
  return params;
}

/** A failure as the results area says it; undefined for the ones the gallery handles itself (401). */
export function searchErrorText(error: unknown): string | undefined {
  if (error instanceof SemanticUnavailableError) {
    return "Search by meaning is not available here: this server has no embedding provider. Search by “Words and meaning” or “Words” instead.";
  }
  if (error instanceof PicstackError && error.status === 401) return undefined;
  if (error instanceof PicstackError && error.code === "invalid_cursor") {
    return "These results have changed since they were loaded: search again.";
  }
  return `Search failed: ${error instanceof Error ? error.message : String(error)}`;
}

export function useSearch(
  client: PicstackClient,
  request: SearchRequest | undefined,
  filters: Filters,
  fail: (e: unknown) => void,
): SearchState {
  const [items, setItems] = useState<SearchResult[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [mode, setMode] = useState<SearchMode>();
  const [loading, setLoading] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string>();
  const generation = useRef(0);

  const params = useMemo(() => (request ? toSearchParams(request, filters) : undefined), [request, filters]);

  const failed = useCallback(
    (e: unknown) => {
      const text = searchErrorText(e);
      if (text === undefined) fail(e);
      else setError(text);
    },
    [fail],
  );

  /** A page, following a cursor past empty pages at once (the API bounds each request's work). */
  const fetchPage = useCallback(
    async (p: SearchParams): Promise<SearchPage> => {
      let page = await client.search(p);
      for (let i = 0; page.items.length === 0 && page.nextCursor && i < 50; i++) {
        page = await client.search({ ...p, cursor: page.nextCursor });
      }
      return page;
    },
    [client],
  );

  useEffect(() => {
    const run = ++generation.current;
    setItems([]);
    setNextCursor(null);
    setMode(undefined);
    setError(undefined);
    setLoaded(false);
    if (!params) {
      setLoading(false);
      return;
    }
    setLoading(true);
    fetchPage(params)
      .then((page) => {
        if (run !== generation.current) return;
        setItems(page.items);
        setNextCursor(page.nextCursor);
        setMode(page.mode);
        setLoaded(true);
      })
      .catch((e: unknown) => run === generation.current && failed(e))
      .finally(() => run === generation.current && setLoading(false));
  }, [params, fetchPage, failed]);

  const loadMore = useCallback(() => {
    if (!params || !nextCursor || loading) return;
    const run = generation.current;
    setLoading(true);
    fetchPage({ ...params, cursor: nextCursor })
      .then((page) => {
        if (run !== generation.current) return;
        setItems((current) => [
          ...current,
          ...page.items.filter((r) => !current.some((c) => c.image.id === r.image.id)),
        ]);
        setNextCursor(page.nextCursor);
      })
      .catch((e: unknown) => run === generation.current && failed(e))
      .finally(() => run === generation.current && setLoading(false));
  }, [params, nextCursor, loading, fetchPage, failed]);

  const refresh = useCallback((image: Image) => {
    setItems((current) => current.map((r) => (r.image.id === image.id ? { ...r, image } : r)));
  }, []);

  const removeItem = useCallback((id: string) => {
    setItems((current) => current.filter((r) => r.image.id !== id));
  }, []);

  const tagCounts = useMemo(() => {
    const counts = new Map<string, number>();
    for (const { image } of items) for (const tag of image.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    return counts;
  }, [items]);

  return { items, nextCursor, mode, loading, loaded, error, tagCounts, loadMore, refresh, removeItem };
}
