/**
 * The signed-in gallery: uploads with progress, the filtered grid with infinite scroll, live status,
 * the detail dialog, and delete with undo. This file puts the parts together; each part is in gallery/.
 */
import { PicstackClient, PicstackError } from "@picstack/sdk";
import { useCallback, useMemo, useRef, useState } from "react";
import type { Session } from "./auth.js";
import type { WebConfig } from "./config.js";
import { Details } from "./Details.js";
import { DropZone } from "./gallery/DropZone.js";
import { ErrorBanner } from "./gallery/ErrorBanner.js";
import { FilterBar } from "./gallery/FilterBar.js";
import { type Filters, isFiltered } from "./gallery/filters.js";
import { focusCard } from "./gallery/ImageCard.js";
import { ImageGrid } from "./gallery/ImageGrid.js";
import { RejectedFiles } from "./gallery/RejectedFiles.js";
import { UndoToast } from "./gallery/UndoToast.js";
import { UploadList } from "./gallery/UploadList.js";
import { useDeleteWithUndo } from "./gallery/useDeleteWithUndo.js";
import { useImages } from "./gallery/useImages.js";
import { useLiveStatus } from "./gallery/useLiveStatus.js";
import { useUploads } from "./gallery/useUploads.js";

/**
 * 429s one request rides out before its row shows Retry. At the default write limit (one a second
 * after a burst of 30) three uploads in flight each wait about three `Retry-After`s per request.
 */
const RATE_LIMITED_RETRIES = 100;

export function Gallery(props: { config: WebConfig; session: Session; onSessionEnded: () => void }) {
  const { config, session } = props;
  // Held in a ref so the callbacks below stay stable while the parent passes a new function each render.
  const ended = useRef(props.onSessionEnded);
  ended.current = props.onSessionEnded;
  const endSession = useCallback(() => ended.current(), []);
  const client = useMemo(
    () =>
      new PicstackClient({
        baseUrl: config.apiUrl,
        token: session.token,
        maxUploadBytes: config.maxUploadBytes,
        // A 429 means the API did nothing: wait as Retry-After says and send again, as long as it takes a
        // large drop to get through the per-user limit.
        retry: { rateLimitedRetries: RATE_LIMITED_RETRIES },
      }),
    [config, session.token],
  );

  const [filters, setFilters] = useState<Filters>({});
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<string>();

  /** Every API failure lands here: a 401 ends the session, anything else shows in the banner. */
  const fail = useCallback(
    (e: unknown) => {
      if (e instanceof PicstackError && e.status === 401) endSession();
      else setError(e instanceof Error ? e.message : String(e));
    },
    [endSession],
  );

  const images = useImages(client, filters, fail);
  useLiveStatus(client, images.items, images.refresh);
  const uploads = useUploads({
    client,
    maxUploadBytes: config.maxUploadBytes,
    onCreated: images.upsert,
    onUpdate: images.refresh,
    onRemoved: images.removeItem,
    onUnauthorized: endSession,
  });
  const deletion = useDeleteWithUndo(client, images, fail);

  const selectedImage = images.items.find((i) => i.id === selected);

  return (
    <main className="gallery">
      <ErrorBanner message={error} onDismiss={() => setError(undefined)} />
      <DropZone maxUploadBytes={config.maxUploadBytes} onFiles={uploads.start} />
      <RejectedFiles reasons={uploads.rejected} onDismiss={uploads.dismissRejected} />
      <UploadList uploads={uploads.uploads} onRetry={uploads.retry} onClear={uploads.clearFinished} />
      <FilterBar filters={filters} tagCounts={images.tagCounts} onChange={setFilters} />
      <ImageGrid
        items={images.items}
        loaded={images.loaded}
        loading={images.loading}
        hasMore={Boolean(images.nextCursor)}
        filtered={isFiltered(filters)}
        onLoadMore={images.loadMore}
        onOpen={setSelected}
      />

      {selectedImage && (
        <Details
          client={client}
          image={selectedImage}
          onChange={images.refresh}
          onDelete={(image) => {
            setSelected(undefined);
            void deletion.remove(image);
          }}
          onError={fail}
          onClose={() => {
            setSelected(undefined);
            focusCard(selected);
          }}
        />
      )}

      <UndoToast undo={deletion.undo} onUndo={deletion.restore} />
    </main>
  );
}
