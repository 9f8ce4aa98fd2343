/**
 * The details' "Similar" strip: the user's images most like this one, each a thumbnail labelled
 * Duplicate (the same file), Near duplicate (the same picture) or Similar; choosing one opens it.
 */
import {
  type Image,
  type PicstackClient,
  PicstackError,
  type SimilarKind,
  type SimilarResult,
} from "@picstack/sdk";
import { useEffect, useId, useState } from "react";

const STRIP_SIZE = 12;

export const KIND_LABELS: Record<SimilarKind, string> = {
  duplicate: "Duplicate",
  near_duplicate: "Near duplicate",
  similar: "Similar",
};

export function SimilarStrip(props: {
  client: PicstackClient;
  image: Image;
  onOpen: (image: Image) => void;
  onError: (error: unknown) => void;
}) {
  const { client, image, onError } = props;
  const headingId = useId();
  const [items, setItems] = useState<SimilarResult[]>();
  const [problem, setProblem] = useState<string>();
  // Only a processed image is compared; asked again when it becomes ready.
  const ready = image.status === "ready";

  useEffect(() => {
    if (!ready) return;
    let current = true;
    setItems(undefined);
    setProblem(undefined);
    client
      .similar(image.id, { limit: STRIP_SIZE })
      .then((page) => current && setItems(page.items))
      .catch((e: unknown) => {
        if (!current) return;
        if (e instanceof PicstackError && e.status === 401) onError(e);
        else setProblem(`Could not find similar images: ${e instanceof Error ? e.message : String(e)}`);
      });
    return () => {
      current = false;
    };
  }, [client, image.id, ready, onError]);

  if (!ready) return null;
  return (
    <section className="similar" aria-labelledby={headingId}>
      <h3 id={headingId}>Similar</h3>
      {problem ? (
        <p className="muted small">{problem}</p>
      ) : items === undefined ? (
        <p className="muted small">Looking for similar images…</p>
      ) : items.length === 0 ? (
        <p className="muted small">No similar images.</p>
      ) : (
        <ul className="similar-list">
          {items.map((result) => (
            <li key={result.image.id}>
              <button
                type="button"
                className={`similar-item ${result.kind}`}
                aria-label={`${KIND_LABELS[result.kind]}: ${result.image.filename}`}
                title={`${result.image.filename} (score ${result.score.toFixed(2)})`}
                onClick={() => props.onOpen(result.image)}
              >
                {result.image.urls?.thumb ? (
                  <img src={result.image.urls.thumb} alt="" loading="lazy" />
                ) : (
                  <span className="placeholder" aria-hidden="true">
                    {result.image.status}
                  </span>
                )}
                <span className="kind">{KIND_LABELS[result.kind]}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
