/** One image in a modal dialog: preview, facts, analysis, tags and note editing, similar images, delete. */
import type { Image, PicstackClient } from "@picstack/sdk";
import { useEffect, useId, useRef, useState } from "react";
import { SimilarStrip } from "./gallery/SimilarStrip.js";

const formatBytes = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 * 1024
      ? `${(n / 1024).toFixed(0)} KiB`
      : `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** The size row: the declared bytes and, once processed, the pixels; nothing when neither is known. */
function sizeText(image: Image): string | undefined {
  const parts: string[] = [];
  if (image.size > 0) parts.push(formatBytes(image.size));
  if (image.width && image.height)
    parts.push(`${image.width}×${image.height}${image.format ? ` ${image.format}` : ""}`);
  return parts.length ? parts.join(", ") : undefined;
}

function analysisText(analysis: Image["analysis"]): string {
  switch (analysis.status) {
    case "done":
      return analysis.description ?? "Analysed";
    case "pending":
      return "Analysing…";
    case "failed":
      return `Analysis failed${analysis.error ? `: ${analysis.error.message}` : ""}`;
    case "skipped":
      return "Not analysed: the image failed";
    default:
      return "Not analysed";
  }
}

export function Details(props: {
  client: PicstackClient;
  image: Image;
  onChange: (image: Image) => void;
  onDelete: (image: Image) => void;
  onError: (error: unknown) => void;
  /** Opens another image in place of this one (from the Similar strip). */
  onOpen: (image: Image) => void;
  onClose: () => void;
}) {
  const { client, image, onChange, onError } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  const [note, setNote] = useState(image.note ?? "");
  const [saved, setSaved] = useState(false);
  const [newTag, setNewTag] = useState("");
  const [busy, setBusy] = useState(false);
  const close = useRef(props.onClose);
  close.current = props.onClose;

  // A modal <dialog> keeps focus inside, answers Escape, and makes the rest of the page inert.
  useEffect(() => {
    const node = dialog.current;
    if (node && !node.open) node.showModal();
    const onCancel = (event: Event) => {
      event.preventDefault();
      close.current();
    };
    node?.addEventListener("cancel", onCancel);
    return () => node?.removeEventListener("cancel", onCancel);
  }, []);

  // Fresh presigned URLs: the listed ones may be minutes old.
  useEffect(() => {
    client
      .getImage(image.id)
      .then(onChange)
      .catch(() => {});
  }, [client, image.id, onChange]);

  const update = async (change: { note?: string | null; tags?: string[] }) => {
    setBusy(true);
    try {
      onChange(await client.updateImage(image.id, change));
      return true;
    } catch (e) {
      onError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const size = sizeText(image);

  return (
    <dialog ref={dialog} className="details" aria-labelledby={headingId}>
      <div className="details-head">
        <h2 id={headingId}>{image.filename}</h2>
        <button type="button" className="button subtle" onClick={() => props.onClose()}>
          Close
        </button>
      </div>
      <div className="details-body">
        <div className="preview">
          {image.urls?.preview ? (
            <img src={image.urls.preview} alt={`Preview of ${image.filename}`} />
          ) : (
            <span className={`placeholder ${image.status}`}>{image.status}</span>
          )}
        </div>
        <div className="facts">
          {image.status === "failed" && (
            <div className="failure" role="note" aria-label="Why it failed">
              <strong>Upload failed</strong>
              {image.error ? (
                <p className="error-text">
                  {image.error.message} <code>{image.error.code}</code>
                </p>
              ) : (
                <p className="error-text">The server gave no reason.</p>
              )}
            </div>
          )}
          <p className="description">{analysisText(image.analysis)}</p>
          {image.urls?.original && (
            <p>
              <a href={image.urls.original} target="_blank" rel="noopener noreferrer">
                Open original
              </a>
            </p>
          )}
          <dl>
            {size && (
              <>
                <dt>Size</dt>
                <dd>{size}</dd>
              </>
            )}
            <dt>Uploaded</dt>
            <dd>{new Date(image.createdAt).toLocaleString()}</dd>
            {image.exif?.camera && (
              <>
                <dt>Camera</dt>
                <dd>{image.exif.camera}</dd>
              </>
            )}
          </dl>

          <h3>Tags</h3>
          <ul className="tag-list">
            {image.tags.map((tag) => (
              <li key={tag} className="chip static">
                {tag}
                <button
                  type="button"
                  className="remove"
                  aria-label={`Remove tag ${tag}`}
                  disabled={busy}
                  onClick={() => update({ tags: image.tags.filter((t) => t !== tag) })}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
          <form
            onSubmit={async (event) => {
              event.preventDefault();
              const tag = newTag.trim();
              if (tag && (await update({ tags: [...image.tags, tag] }))) setNewTag("");
            }}
          >
            <label htmlFor={`${headingId}-tag`}>Add tag</label>
            <input
              id={`${headingId}-tag`}
              value={newTag}
              maxLength={50}
              onChange={(e) => setNewTag(e.target.value)}
            />
          </form>

          <form
            onSubmit={async (event) => {
              event.preventDefault();
              setSaved(false);
              if (await update({ note: note.trim() === "" ? null : note })) setSaved(true);
            }}
          >
            <label htmlFor={`${headingId}-note`}>Note</label>
            <textarea
              id={`${headingId}-note`}
              value={note}
              maxLength={2000}
              rows={3}
              onChange={(e) => {
                setNote(e.target.value);
                setSaved(false);
              }}
            />
            <div className="row">
              <button type="submit" className="button primary" disabled={busy}>
                Save note
              </button>
              {saved && <span className="muted">Saved</span>}
            </div>
          </form>

          <SimilarStrip client={client} image={image} onOpen={props.onOpen} onError={onError} />

          <button type="button" className="button danger" onClick={() => props.onDelete(image)}>
            Delete
          </button>
        </div>
      </div>
    </dialog>
  );
}
