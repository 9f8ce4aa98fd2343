/**
 * The listed images: the first page for the current filters, the pages after it, and every local change
 * to the list (an upload's new card, a newer copy from a poll, a delete and its undo). It also counts
 * the tags of the images listed now, for the tag chips: a tag whose last image went goes with it.
 */
import type { Image, ListImagesQuery, PicstackClient } from "@picstack/sdk";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type Filters, toQuery } from "./filters.js";

export interface ImageList {
  items: Image[];
  nextCursor: string | null;
  loading: boolean;
  /** The first page for the current filters has arrived. */
  loaded: boolean;
  /** How many of the listed images carry each tag. */
  tagCounts: ReadonlyMap<string, number>;
  loadMore: () => void;
  upsert: (image: Image) => void;
  refresh: (image: Image) => void;
  /** Takes an image off the list; returns where it was (-1 when it was not listed). */
  removeItem: (id: string) => number;
  /** Puts an image back where it was, or as near as the list now allows. */
  insertItem: (image: Image, index: number) => void;
}

export function useImages(client: PicstackClient, filters: Filters, fail: (e: unknown) => void): ImageList {
  const [items, setItems] = useState<Image[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [loaded, setLoaded] = useState(false);
  // Each change of filters is a new generation; a page that arrives for an older one is dropped.
  const generation = useRef(0);

  /** An image the user just uploaded: shown at the top, or updated where it is. */
  const upsert = useCallback((image: Image) => {
    setItems((current) => {
      const at = current.findIndex((i) => i.id === image.id);
      if (at === -1) return [image, ...current];
      const copy = [...current];
      copy[at] = image;
      return copy;
    });
  }, []);

  /**
   * A newer copy of a listed image, from a poll or the details dialog. Only updates: an answer that
   * was in flight while the image was deleted must not bring its card back.
   */
  const refresh = useCallback((image: Image) => {
    setItems((current) => {
      const at = current.findIndex((i) => i.id === image.id);
      if (at === -1) return current;
      const copy = [...current];
      copy[at] = image;
      return copy;
    });
  }, []);

  const query = useCallback((): ListImagesQuery => toQuery(filters), [filters]);

  /**
   * A page for the grid. The API bounds each request's reads, so a filtered page can come back empty
   * with a cursor; that one is followed at once, since no new row would bring the sentinel into view.
   */
  const fetchPage = useCallback(
    async (q: ListImagesQuery) => {
      let page = await client.listImages(q);
      for (let i = 0; page.items.length === 0 && page.nextCursor && i < 50; i++) {
        page = await client.listImages({ ...q, cursor: page.nextCursor });
      }
      return page;
    },
    [client],
  );

  // A change of filters starts the list again from the first page.
  useEffect(() => {
    const run = ++generation.current;
    setLoading(true);
    fetchPage(query())
      .then((page) => {
        if (run !== generation.current) return;
        setItems(page.items);
        setNextCursor(page.nextCursor);
        setLoaded(true);
      })
      .catch(fail)
      .finally(() => run === generation.current && setLoading(false));
  }, [fetchPage, query, fail]);

  const loadMore = useCallback(() => {
    if (!nextCursor || loading) return;
    const run = generation.current;
    setLoading(true);
    fetchPage({ ...query(), cursor: nextCursor })
      .then((page) => {
        if (run !== generation.current) return;
        setItems((current) => [...current, ...page.items.filter((i) => !current.some((c) => c.id === i.id))]);
        setNextCursor(page.nextCursor);
      })
      .catch(fail)
      .finally(() => setLoading(false));
  }, [fetchPage, query, nextCursor, loading, fail]);

  const removeItem = (id: string) => {
    const index = items.findIndex((i) => i.id === id);
    setItems((current) => current.filter((i) => i.id !== id));
    return index;
  };

  const insertItem = (image: Image, index: number) => setItems((current) => insertAt(current, image, index));

  const tagCounts = useMemo(() => {
    const counts = new Map<string, number>();
    for (const image of items) for (const tag of image.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    return counts;
  }, [items]);

  return {
    items,
    nextCursor,
    loading,
    loaded,
    tagCounts,
    loadMore,
    upsert,
    refresh,
    removeItem,
    insertItem,
  };
}

function insertAt(list: Image[], image: Image, index: number): Image[] {
  const without = list.filter((i) => i.id !== image.id);
  const at = index < 0 ? 0 : Math.min(index, without.length);
  return [...without.slice(0, at), image, ...without.slice(at)];
}
