/** One row per upload in flight or finished: a progress bar and a status read out to screen readers. */
import type { UploadRow } from "./useUploads.js";

export function UploadList(props: { uploads: UploadRow[]; onClear: () => void }) {
  const { uploads } = props;
  if (uploads.length === 0) return null;
  return (
    <section aria-label="Uploads" className="uploads">
      <ul>
        {uploads.map((u) => (
          <li key={u.key} className={u.status.startsWith("failed") ? "failed" : undefined}>
            <span className="name">{u.name}</span>
            <progress max={100} value={u.percent} aria-label={`Upload progress for ${u.name}`} />
            <span className="status" aria-live="polite">
              {u.status}
            </span>
          </li>
        ))}
      </ul>
      {uploads.every((u) => u.done) && (
        <button type="button" className="button subtle" onClick={props.onClear}>
          Clear finished
        </button>
      )}
    </section>
  );
}
