/**
 * One image in the grid: its thumbnail (or its status while there is none), its filename (cut with an
 * ellipsis, the whole name on hover), status badge and all its tags, wrapped. A search result also
 * shows its score and the fields the words matched in.
 */
import type { Image, SearchResult } from "@picstack/sdk";

export function ImageCard(props: {
  image: Image;
  onOpen: (id: string) => void;
  match?: Pick<SearchResult, "score" | "matched">;
}) {
  const { image, match } = props;
  return (
    <button
      type="button"
      className="card"
      aria-label={`Open ${image.filename}`}
      // Lets the gallery give focus back to this card when the details dialog closes.
      data-image={image.id}
      onClick={() => props.onOpen(image.id)}
    >
      {image.urls?.thumb ? (
        <img
          src={image.urls.thumb}
          alt={image.filename}
          loading="lazy"
          width={image.thumbnails?.thumb.width}
          height={image.thumbnails?.thumb.height}
        />
      ) : (
        <span className={`placeholder ${image.status}`}>
          {image.status === "failed" ? "failed" : `${image.status}…`}
        </span>
      )}
      <span className="caption">
        <span className="filename" title={image.filename}>
          {image.filename}
        </span>
        <span className="meta">
          <span className={`badge ${image.status}`}>{image.status}</span>
          {image.tags.map((tag) => (
            <span key={tag} className="tag">
              {tag}
            </span>
          ))}
        </span>
        {match && (
          <span className="match-info">
            <span className="score" title="How well it matches, from 0 to 1">
              score {match.score.toFixed(2)}
            </span>
            {match.matched.length > 0 ? (
              <span className="matched">
                <span className="visually-hidden">matched in </span>
                {match.matched.map((field) => (
                  <span key={field} className="match">
                    {field}
                  </span>
                ))}
              </span>
            ) : (
              <span className="match by-meaning">by meaning</span>
            )}
          </span>
        )}
      </span>
    </button>
  );
}

/** Focuses the card of an image, once the dialog that covered it is gone. */
export function focusCard(id: string | undefined): void {
  requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-image="${id}"]`)?.focus());
}
