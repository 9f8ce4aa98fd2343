/** The last API failure, until it is dismissed. */
export function ErrorBanner(props: { message: string | undefined; onDismiss: () => void }) {
  if (!props.message) return null;
  return (
    <div className="banner" role="alert">
      <span>{props.message}</span>
      <button type="button" className="button subtle" onClick={props.onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
