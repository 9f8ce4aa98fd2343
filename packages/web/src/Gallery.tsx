/**
 * The signed-in gallery: uploads with progress, the filtered grid with infinite scroll, search in its
 * place while there is a query, live status, the detail dialog, and delete with undo. This file puts the
 * parts together; each part is in gallery/.
 */
import { type Image, PicstackClient, PicstackError } from "@picstack/sdk";
import { useCallback, useMemo, useRef, useState } from "react";
import { createPortal } from "react-dom";
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
import { SearchBox } from "./gallery/SearchBox.js";
import { SearchResults } from "./gallery/SearchResults.js";
import { UndoToast } from "./gallery/UndoToast.js";
import { UploadList } from "./gallery/UploadList.js";
import { useDeleteWithUndo } from "./gallery/useDeleteWithUndo.js";
import { useImages } from "./gallery/useImages.js";
import { useLiveStatus } from "./gallery/useLiveStatus.js";
import { type SearchRequest, useSearch } from "./gallery/useSearch.js";
import { useUploads } from "./gallery/useUploads.js";

/**
 * 429s one request rides out before its row shows Retry. At the default write limit (one a second
 * after a burst of 30) three uploads in flight each wait about three `Retry-After`s per request.
 */
const RATE_LIMITED_RETRIES = 100;

export function Gallery(props: {
  config: WebConfig;
  session: Session;
  /** Where the search box goes (the page's header); nowhere until it exists. */
  searchSlot: HTMLElement | null;
  onSessionEnded: () => void;
}) {
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
  // The image the details show when no list has it (one opened from the Similar strip).
  const [opened, setOpened] = useState<Image>();
  const [request, setRequest] = useState<SearchRequest>();
  // A search runs again when the user asks (Enter), not when the typing pause ends on the same words.
  const onSearch = useCallback(
    (next: SearchRequest | undefined, again: boolean) =>
      setRequest((current) =>
        !again && current?.query === next?.query && current?.mode === next?.mode ? current : next,
      ),
    [],
  );

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
  const search = useSearch(client, request, filters, fail);

  const selectedImage =
    images.items.find((i) => i.id === selected) ??
    search.items.find((r) => r.image.id === selected)?.image ??
    (opened?.id === selected ? opened : undefined);

  const open = (id: string) => {
    setSelected(id);
    setOpened(undefined);
  };
  /** A newer copy of an image, wherever the gallery shows it. */
  const refresh = useCallback(
    (image: Image) => {
      images.refresh(image);
      search.refresh(image);
      setOpened((current) => (current?.id === image.id ? image : current));
    },
    [images.refresh, search.refresh],
  );

  return (
    <main className="gallery">
      <ErrorBanner message={error} onDismiss={() => setError(undefined)} />
      <DropZone maxUploadBytes={config.maxUploadBytes} onFiles={uploads.start} />
      <RejectedFiles reasons={uploads.rejected} onDismiss={uploads.dismissRejected} />
      <UploadList uploads={uploads.uploads} onRetry={uploads.retry} onClear={uploads.clearFinished} />
      {props.searchSlot && createPortal(<SearchBox onSearch={onSearch} />, props.searchSlot)}
      <FilterBar
        filters={filters}
        tagCounts={request ? search.tagCounts : images.tagCounts}
        searching={Boolean(request)}
        onChange={setFilters}
      />
      {request ? (
        <SearchResults request={request} search={search} filtered={isFiltered(filters)} onOpen={open} />
      ) : (
        <ImageGrid
          items={images.items}
          loaded={images.loaded}
          loading={images.loading}
          hasMore={Boolean(images.nextCursor)}
          filtered={isFiltered(filters)}
          onLoadMore={images.loadMore}
          onOpen={open}
        />
      )}

      {selectedImage && (
        <Details
          // Another image opened from the Similar strip is a new dialog, with its own note and tag fields.
          key={selectedImage.id}
          client={client}
          image={selectedImage}
          onChange={refresh}
          onOpen={(image) => {
            setSelected(image.id);
            setOpened(image);
          }}
          onDelete={(image) => {
            setSelected(undefined);
            search.removeItem(image.id);
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
