/**
 * One row per upload in flight or finished: a progress bar, a status read out to screen readers, and
 * Retry on a row that failed for a reason other than the file itself.
 */
import type { UploadRow } from "./useUploads.js";

export function UploadList(props: {
  uploads: UploadRow[];
  onRetry: (key: string) => void;
  onClear: () => void;
}) {
  const { uploads } = props;
  if (uploads.length === 0) return null;
  return (
    <section aria-label="Uploads" className="uploads">
      <ul>
        {uploads.map((u) => (
          <li key={u.key} className={u.status.startsWith("failed") ? "failed" : undefined}>
            <span className="name" title={u.name}>
              {u.name}
            </span>
            <progress max={100} value={u.percent} aria-label={`Upload progress for ${u.name}`} />
            <span className="status" aria-live="polite" title={u.status}>
              {u.status}
            </span>
            {u.retryable && (
              <button
                type="button"
                className="button subtle retry"
                aria-label={`Retry ${u.name}`}
                onClick={() => props.onRetry(u.key)}
              >
                Retry
              </button>
            )}
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
