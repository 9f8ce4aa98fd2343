/**
 * The grid of cards, with what ends it: a sentinel that loads the next page as it scrolls into view, and
 * a "Load more" button for those who do not scroll. Says so when there is nothing to show.
 */
import type { Image } from "@picstack/sdk";
import { ImageCard } from "./ImageCard.js";
import { useInfiniteScroll } from "./useInfiniteScroll.js";

export function ImageGrid(props: {
  items: Image[];
  loaded: boolean;
  loading: boolean;
  hasMore: boolean;
  filtered: boolean;
  onLoadMore: () => void;
  onOpen: (id: string) => void;
}) {
  const { items, loaded, loading, hasMore, onLoadMore } = props;
  const sentinel = useInfiniteScroll(onLoadMore, hasMore);
  return (
    <>
      {loaded && items.length === 0 && !loading && (
        <p className="empty">
          {props.filtered ? "No images match these filters." : "No images yet — drop some here."}
        </p>
      )}
      <ul className="grid" aria-label="Images">
        {items.map((image) => (
          <li key={image.id}>
            <ImageCard image={image} onOpen={props.onOpen} />
          </li>
        ))}
      </ul>
      <div ref={sentinel} />
      {hasMore && (
        <button type="button" className="button subtle more" onClick={onLoadMore} disabled={loading}>
          {loading ? "Loading…" : "Load more"}
        </button>
      )}
    </>
  );
}
