/** The filters above the grid: tag chips (from the images listed now), a date range and a status. */
import type { ImageStatus } from "@picstack/sdk";
import type { Filters } from "./filters.js";

const MAX_CHIPS = 24;

export function FilterBar(props: {
  filters: Filters;
  tagCounts: ReadonlyMap<string, number>;
  /** A search covers processed images only, so the status filter has nothing to choose from then. */
  searching?: boolean;
  onChange: (change: (current: Filters) => Filters) => void;
}) {
  const { filters, onChange } = props;
  const tags = chipTags(props.tagCounts, filters.tag);
  return (
    <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <fieldset className="chips" aria-label="Filter by tag">
        {tags.map((tag) => (
          <button
            key={tag}
            type="button"
            className="chip"
            aria-pressed={filters.tag === tag}
            onClick={() => onChange((f) => ({ ...f, tag: f.tag === tag ? undefined : tag }))}
          >
            {tag}
            <span className="count" aria-hidden="true">
              {props.tagCounts.get(tag) ?? 0}
            </span>
          </button>
        ))}
      </fieldset>
      <div className="fields">
        <label>
          From
          <input
            type="date"
            value={filters.from ?? ""}
            onChange={(e) => onChange((f) => ({ ...f, from: e.target.value || undefined }))}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={filters.to ?? ""}
            onChange={(e) => onChange((f) => ({ ...f, to: e.target.value || undefined }))}
          />
        </label>
        <label>
          Status
          <select
            value={filters.status ?? ""}
            disabled={props.searching}
            title={props.searching ? "Search looks at every processed image" : undefined}
            onChange={(e) =>
              onChange((f) => ({
                ...f,
                status: (e.target.value || undefined) as ImageStatus | undefined,
              }))
            }
          >
            <option value="">All</option>
            <option value="pending">pending</option>
            <option value="processing">processing</option>
            <option value="ready">ready</option>
            <option value="failed">failed</option>
          </select>
        </label>
      </div>
    </form>
  );
}

/**
 * The tags of the listed images: the most used ones (up to MAX_CHIPS, ties by name), shown in
 * alphabetical order so a chip stays where it is while counts change. The selected tag stays offered
 * even when no listed image carries it any more, so it can be cleared.
 */
export function chipTags(counts: ReadonlyMap<string, number>, selected: string | undefined): string[] {
  const tags = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([t]) => t)
    .slice(0, MAX_CHIPS);
  if (selected && !tags.includes(selected)) tags.push(selected);
  return tags.sort((a, b) => a.localeCompare(b));
}
