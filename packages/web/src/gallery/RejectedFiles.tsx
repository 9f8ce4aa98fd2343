/** The files of the last drop or choice that were refused before upload, each with its reason. */
export function RejectedFiles(props: { reasons: string[]; onDismiss: () => void }) {
  if (props.reasons.length === 0) return null;
  return (
    <div className="banner warning" role="alert">
      <div>
        <strong>Not uploaded:</strong>
        <ul>
          {props.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      </div>
      <button type="button" className="button subtle" onClick={props.onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
