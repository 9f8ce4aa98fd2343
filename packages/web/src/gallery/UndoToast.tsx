/** Offers to undo the last delete while it can still be restored. */
import type { Undo } from "./useDeleteWithUndo.js";

export function UndoToast(props: { undo: Undo | undefined; onUndo: () => void }) {
  if (!props.undo) return null;
  return (
    <div className="toast" role="status">
      <span>Deleted {props.undo.image.filename}</span>
      <button type="button" className="button" onClick={props.onUndo}>
        Undo
      </button>
    </div>
  );
}
