/** Where files come in: dropped on the zone, or chosen with the (keyboard-reachable) file input. */
import { useState } from "react";

export function DropZone(props: { maxUploadBytes: number; onFiles: (files: File[]) => void }) {
  const { maxUploadBytes, onFiles } = props;
  const [dragging, setDragging] = useState(false);
  return (
    <section
      className={`dropzone${dragging ? " dragging" : ""}`}
      aria-label="Upload images"
      onDragEnter={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        onFiles([...e.dataTransfer.files]);
      }}
    >
      <p>Drop photos here, or</p>
      <label className="button primary file-label">
        Choose images
        {/* Desktop browsers that have no type for .heic/.heif would hide iPhone photos from image/*. */}
        <input
          type="file"
          multiple
          accept="image/*,.heic,.heif"
          className="visually-hidden"
          onChange={(e) => {
            onFiles([...(e.target.files ?? [])]);
            // Choosing the same file again must fire another change.
            e.target.value = "";
          }}
        />
      </label>
      <p className="muted small">
        JPEG, PNG, WebP, GIF, AVIF, TIFF or HEIC, up to {Math.round(maxUploadBytes / 1024 / 1024)} MiB each
      </p>
    </section>
  );
}
