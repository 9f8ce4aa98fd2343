/**
 * The search box in the header: searches as one types (after a pause), at once on Enter; Escape or
 * Clear goes back to the normal grid. The mode says how: words and meaning (hybrid), words, or meaning.
 */
import type { SearchMode } from "@picstack/sdk";
import { useEffect, useId, useRef, useState } from "react";
import type { SearchRequest } from "./useSearch.js";

/** How long typing pauses before the search runs: a search per word, not per key. */
export const DEBOUNCE_MS = 350;
/** The API's bound on a query's length. */
const MAX_QUERY = 500;

/** `again`: the user asked (Enter, Search), so the same query runs again, for what changed since. */
export type OnSearch = (request: SearchRequest | undefined, again: boolean) => void;

export function SearchBox(props: { onSearch: OnSearch }) {
  const [text, setText] = useState("");
  const [mode, setMode] = useState<SearchMode>("hybrid");
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const onSearch = useRef(props.onSearch);
  onSearch.current = props.onSearch;

  // Typing searches once it pauses; each key restarts the wait. (When Enter searched at once, the wait
  // ending later asks for the same search, which the gallery does not run again.)
  useEffect(() => {
    const timer = setTimeout(() => submit(onSearch.current, text, mode, false), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, mode]);

  const clear = () => {
    setText("");
    submit(onSearch.current, "", mode, true);
    input.current?.focus();
  };

  return (
    <search className="search" aria-label="Search images">
      <form
        className="search-form"
        onSubmit={(event) => {
          event.preventDefault();
          submit(onSearch.current, text, mode, true);
        }}
      >
        <label htmlFor={`${id}-query`} className="visually-hidden">
          Search images
        </label>
        <input
          ref={input}
          id={`${id}-query`}
          type="search"
          placeholder="Search images"
          value={text}
          maxLength={MAX_QUERY}
          autoComplete="off"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              // The browser clears a search field on Escape too; this also leaves the results.
              e.preventDefault();
              clear();
            }
          }}
        />
        <label htmlFor={`${id}-mode`} className="visually-hidden">
          Search by
        </label>
        <select id={`${id}-mode`} value={mode} onChange={(e) => setMode(e.target.value as SearchMode)}>
          <option value="hybrid">Words and meaning</option>
          <option value="text">Words</option>
          <option value="semantic">Meaning</option>
        </select>
        <button type="submit" className="button primary">
          Search
        </button>
        {text && (
          <button type="button" className="button subtle" aria-label="Clear search" onClick={clear}>
            Clear
          </button>
        )}
      </form>
    </search>
  );
}

function submit(onSearch: OnSearch, query: string, mode: SearchMode, again: boolean) {
  const trimmed = query.trim();
  onSearch(trimmed ? { query: trimmed, mode } : undefined, again);
}
