/**
 * The ranked results of a search, in place of the grid: how many and in which mode the API answered,
 * each result with its score and matched fields, "Load more" while there are more, and what went wrong.
 */
import type { SearchMode } from "@picstack/sdk";
import { ImageCard } from "./ImageCard.js";
import { useInfiniteScroll } from "./useInfiniteScroll.js";
import type { SearchRequest, SearchState } from "./useSearch.js";

const MODE_NAMES: Record<SearchMode, string> = {
  hybrid: "words and meaning",
  text: "words",
  semantic: "meaning",
};

export function SearchResults(props: {
  request: SearchRequest;
  search: SearchState;
  filtered: boolean;
  onOpen: (id: string) => void;
}) {
  const { request, search } = props;
  const sentinel = useInfiniteScroll(search.loadMore, Boolean(search.nextCursor) && !search.error);
  const count = `${search.items.length}${search.nextCursor ? "+" : ""} result${search.items.length === 1 && !search.nextCursor ? "" : "s"}`;
  return (
    <section className="results" aria-label="Search results">
      <p className="results-summary" role="status">
        {search.error
          ? ""
          : !search.loaded
            ? `Searching for “${request.query}”…`
            : `${count} for “${request.query}”`}
        {search.mode && (
          <span className="mode" data-mode={search.mode}>
            {" "}
            · searched by <strong>{MODE_NAMES[search.mode]}</strong> ({search.mode})
            {search.mode !== request.mode && ": this server has no embeddings"}
          </span>
        )}
      </p>
      {search.error && (
        <p className="results-error" role="alert">
          {search.error}
        </p>
      )}
      {search.loaded && search.items.length === 0 && !search.loading && !search.error && (
        <p className="empty">
          {props.filtered
            ? "Nothing matches this search with these filters."
            : "Nothing matches this search."}
        </p>
      )}
      <ol className="grid" aria-label="Results">
        {search.items.map((result) => (
          <li key={result.image.id}>
            <ImageCard image={result.image} match={result} onOpen={props.onOpen} />
          </li>
        ))}
      </ol>
      <div ref={sentinel} />
      {search.nextCursor && !search.error && (
        <button
          type="button"
          className="button subtle more"
          onClick={search.loadMore}
          disabled={search.loading}
        >
          {search.loading ? "Loading…" : "Load more results"}
        </button>
      )}
    </section>
  );
}
