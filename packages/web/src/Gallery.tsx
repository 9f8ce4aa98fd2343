/**
 * The signed-in gallery: uploads with progress, the filtered grid with infinite scroll, live status,
 * the detail dialog, and delete with undo.
 */
import {
  checkFile,
  type Image,
  ImageFailedError,
  type ImageStatus,
  type ListImagesQuery,
  PicstackClient,
  PicstackError,
} from "@picstack/sdk";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Session } from "./auth.js";
import type { WebConfig } from "./config.js";
import { Details } from "./Details.js";

const PAGE_SIZE = 24;
const PARALLEL_UPLOADS = 3;
const UNDO_MS = 10_000;

interface UploadRow {
  key: string;
  name: string;
  percent: number;
  status: string;
  done: boolean;
}

interface Filters {
  tag?: string;
  from?: string;
  to?: string;
  status?: ImageStatus;
}

interface Undo {
  image: Image;
  index: number;
}

export function Gallery(props: { config: WebConfig; session: Session; onSessionEnded: () => void }) {
  const { config, session, onSessionEnded } = props;
  const ended = useRef(onSessionEnded);
  ended.current = onSessionEnded;
  const client = useMemo(
    () =>
      new PicstackClient({
        baseUrl: config.apiUrl,
        token: session.token,
        maxUploadBytes: config.maxUploadBytes,
      }),
    [config, session.token],
  );

  const [items, setItems] = useState<Image[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [filters, setFilters] = useState<Filters>({});
  const [uploads, setUploads] = useState<UploadRow[]>([]);
  const [rejected, setRejected] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<string>();
  const [undo, setUndo] = useState<Undo>();
  const [dragging, setDragging] = useState(false);
  const knownTags = useRef(new Map<string, number>());
  const generation = useRef(0);
  const undoTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  /** Every API failure lands here: a 401 ends the session, anything else shows in the banner. */
  const fail = useCallback((e: unknown) => {
    if (e instanceof PicstackError && e.status === 401) ended.current();
    else setError(e instanceof Error ? e.message : String(e));
  }, []);

  const remember = useCallback((images: Image[]) => {
    for (const image of images)
      for (const tag of image.tags) knownTags.current.set(tag, (knownTags.current.get(tag) ?? 0) + 1);
  }, []);

  const upsert = useCallback(
    (image: Image) => {
      remember([image]);
      setItems((current) => {
        const at = current.findIndex((i) => i.id === image.id);
        if (at === -1) return [image, ...current];
        const copy = [...current];
        copy[at] = image;
        return copy;
      });
    },
    [remember],
  );

  /**
   * A newer copy of a listed image, from a poll or the details dialog. Only updates: an answer that
   * was in flight while the image was deleted must not bring its card back.
   */
  const refresh = useCallback(
    (image: Image) => {
      remember([image]);
      setItems((current) => {
        const at = current.findIndex((i) => i.id === image.id);
        if (at === -1) return current;
        const copy = [...current];
        copy[at] = image;
        return copy;
      });
    },
    [remember],
  );

  const query = useCallback((): ListImagesQuery => {
    const q: ListImagesQuery = { limit: PAGE_SIZE };
    if (filters.tag) q.tag = filters.tag;
    if (filters.status) q.status = filters.status;
    if (filters.from) q.from = new Date(`${filters.from}T00:00:00.000Z`).toISOString();
    if (filters.to) q.to = new Date(`${filters.to}T23:59:59.999Z`).toISOString();
    return q;
  }, [filters]);

  /**
   * A page for the grid. The API bounds each request's reads, so a filtered page can come back empty
   * with a cursor; that one is followed at once, since no new row would bring the sentinel into view.
   */
  const fetchPage = useCallback(
    async (q: ListImagesQuery) => {
      let page = await client.listImages(q);
      for (let i = 0; page.items.length === 0 && page.nextCursor && i < 50; i++) {
        page = await client.listImages({ ...q, cursor: page.nextCursor });
      }
      return page;
    },
    [client],
  );

  // A change of filters starts the list again from the first page.
  useEffect(() => {
    const run = ++generation.current;
    setLoading(true);
    fetchPage(query())
      .then((page) => {
        if (run !== generation.current) return;
        remember(page.items);
        setItems(page.items);
        setNextCursor(page.nextCursor);
        setLoaded(true);
      })
      .catch(fail)
      .finally(() => run === generation.current && setLoading(false));
  }, [fetchPage, query, fail, remember]);

  const loadMore = useCallback(() => {
    if (!nextCursor || loading) return;
    const run = generation.current;
    setLoading(true);
    fetchPage({ ...query(), cursor: nextCursor })
      .then((page) => {
        if (run !== generation.current) return;
        remember(page.items);
        setItems((current) => [...current, ...page.items.filter((i) => !current.some((c) => c.id === i.id))]);
        setNextCursor(page.nextCursor);
      })
      .catch(fail)
      .finally(() => setLoading(false));
  }, [fetchPage, query, nextCursor, loading, fail, remember]);

  // Infinite scroll: load the next page when the end of the grid comes into view.
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = sentinel.current;
    if (!node || !nextCursor) return;
    const observer = new IntersectionObserver(
      (entries) => entries.some((e) => e.isIntersecting) && loadMore(),
      {
        rootMargin: "400px",
      },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [loadMore, nextCursor]);

  // Listed images that are not final yet are refreshed until they are.
  const unsettled = items.filter(
    (i) => i.status === "pending" || i.status === "processing" || i.analysis.status === "pending",
  );
  const unsettledIds = unsettled.map((i) => i.id).join(",");
  useEffect(() => {
    if (!unsettledIds) return;
    const timer = setInterval(() => {
      for (const id of unsettledIds.split(",").slice(0, 12)) {
        client
          .getImage(id)
          .then(refresh)
          .catch(() => {});
      }
    }, 3000);
    return () => clearInterval(timer);
  }, [unsettledIds, client, refresh]);

  const updateRow = (key: string, change: Partial<UploadRow>) =>
    setUploads((rows) => rows.map((r) => (r.key === key ? { ...r, ...change } : r)));

  const startUploads = (files: File[]) => {
    const refused: string[] = [];
    const accepted: File[] = [];
    for (const file of files) {
      const problem = checkFile(file, config.maxUploadBytes);
      if (problem)
        refused.push(
          problem.message.startsWith(file.name) ? problem.message : `${file.name}: ${problem.message}`,
        );
      else accepted.push(file);
    }
    setRejected(refused);
    const rows = accepted.map((file, i) => ({
      key: `${Date.now()}-${i}-${file.name}`,
      name: file.name,
      percent: 0,
      status: "waiting",
      done: false,
    }));
    setUploads((current) => [...rows, ...current.filter((r) => !r.done)]);
    const queue = accepted.map((file, i) => ({ file, key: rows[i]?.key ?? "" }));
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await uploadOne(next.file, next.key);
    };
    for (let i = 0; i < Math.min(PARALLEL_UPLOADS, queue.length); i++) void worker();
  };

  const uploadOne = async (file: File, key: string) => {
    try {
      const image = await client.createUpload(file, {
        onCreated: upsert,
        onProgress: ({ loaded: sent, total }) => {
          const percent = total ? Math.round((sent / total) * 100) : 100;
          updateRow(key, { percent, status: `uploading ${percent}%` });
        },
      });
      updateRow(key, { percent: 100, status: "checking" });
      const ready = await client.waitUntilReady(image.id, {
        timeoutMs: 180_000,
        onUpdate: (update) => {
          refresh(update);
          updateRow(key, {
            status:
              update.status === "ready"
                ? "analysing"
                : update.status === "pending"
                  ? "checking"
                  : update.status,
          });
        },
      });
      refresh(ready);
      updateRow(key, { status: "ready", done: true });
    } catch (e) {
      if (e instanceof ImageFailedError) {
        refresh(e.image);
        updateRow(key, { status: `failed: ${e.image.error?.message ?? e.message}`, done: true });
      } else {
        updateRow(key, { status: `failed: ${e instanceof Error ? e.message : String(e)}`, done: true });
        if (e instanceof PicstackError && e.status === 401) ended.current();
      }
    }
  };

  const remove = async (image: Image) => {
    const index = items.findIndex((i) => i.id === image.id);
    setSelected(undefined);
    setItems((current) => current.filter((i) => i.id !== image.id));
    try {
      await client.deleteImage(image.id);
      clearTimeout(undoTimer.current);
      setUndo({ image, index });
      undoTimer.current = setTimeout(() => setUndo(undefined), UNDO_MS);
    } catch (e) {
      setItems((current) => insertAt(current, image, index));
      fail(e);
    }
  };

  const restore = async () => {
    if (!undo) return;
    clearTimeout(undoTimer.current);
    setUndo(undefined);
    try {
      const image = await client.restoreImage(undo.image.id);
      setItems((current) => insertAt(current, image, undo.index));
    } catch (e) {
      fail(e);
    }
  };

  // Known tags, most used first; recomputed on every render, which is whenever the items change.
  const tags = [...knownTags.current.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([t]) => t)
    .slice(0, 24);
  if (filters.tag && !tags.includes(filters.tag)) tags.unshift(filters.tag);

  const selectedImage = items.find((i) => i.id === selected);

  return (
    <main className="gallery">
      {error && (
        <div className="banner" role="alert">
          <span>{error}</span>
          <button type="button" className="button subtle" onClick={() => setError(undefined)}>
            Dismiss
          </button>
        </div>
      )}

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
          startUploads([...e.dataTransfer.files]);
        }}
      >
        <p>Drop photos here, or</p>
        <label className="button primary file-label">
          Choose images
          <input
            type="file"
            multiple
            accept="image/*"
            className="visually-hidden"
            onChange={(e) => {
              startUploads([...(e.target.files ?? [])]);
              e.target.value = "";
            }}
          />
        </label>
        <p className="muted small">
          JPEG, PNG, WebP, GIF, AVIF, TIFF or HEIC, up to {Math.round(config.maxUploadBytes / 1024 / 1024)}{" "}
          MiB each
        </p>
      </section>

      {rejected.length > 0 && (
        <div className="banner warning" role="alert">
          <div>
            <strong>Not uploaded:</strong>
            <ul>
              {rejected.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </div>
          <button type="button" className="button subtle" onClick={() => setRejected([])}>
            Dismiss
          </button>
        </div>
      )}

      {uploads.length > 0 && (
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
            <button type="button" className="button subtle" onClick={() => setUploads([])}>
              Clear finished
            </button>
          )}
        </section>
      )}

      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <fieldset className="chips" aria-label="Filter by tag">
          {tags.map((tag) => (
            <button
              key={tag}
              type="button"
              className="chip"
              aria-pressed={filters.tag === tag}
              onClick={() => setFilters((f) => ({ ...f, tag: f.tag === tag ? undefined : tag }))}
            >
              {tag}
            </button>
          ))}
        </fieldset>
        <div className="fields">
          <label>
            From
            <input
              type="date"
              value={filters.from ?? ""}
              onChange={(e) => setFilters((f) => ({ ...f, from: e.target.value || undefined }))}
            />
          </label>
          <label>
            To
            <input
              type="date"
              value={filters.to ?? ""}
              onChange={(e) => setFilters((f) => ({ ...f, to: e.target.value || undefined }))}
            />
          </label>
          <label>
            Status
            <select
              value={filters.status ?? ""}
              onChange={(e) =>
                setFilters((f) => ({
                  ...f,
                  status: (e.target.value || undefined) as ImageStatus | undefined,
                }))
              }
            >
              <option value="">All</option>
              <option value="pending">pending</option>
              <option value="processing">processing</option>
              <option value="ready">ready</option>
              <option value="failed">failed</option>
            </select>
          </label>
        </div>
      </form>

      {loaded && items.length === 0 && !loading && (
        <p className="empty">
          {Object.values(filters).some(Boolean)
            ? "No images match these filters."
            : "No images yet — drop some here."}
        </p>
      )}

      <ul className="grid" aria-label="Images">
        {items.map((image) => (
          <li key={image.id}>
            <button
              type="button"
              className="card"
              aria-label={`Open ${image.filename}`}
              data-image={image.id}
              onClick={() => setSelected(image.id)}
            >
              {image.urls?.thumb ? (
                <img
                  src={image.urls.thumb}
                  alt={image.filename}
                  loading="lazy"
                  width={image.thumbnails?.thumb.width}
                  height={image.thumbnails?.thumb.height}
                />
              ) : (
                <span className={`placeholder ${image.status}`}>
                  {image.status === "failed" ? "failed" : `${image.status}…`}
                </span>
              )}
              <span className="caption">
                <span className={`badge ${image.status}`}>{image.status}</span>
                <span className="tags">{image.tags.slice(0, 3).join(" · ")}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
      <div ref={sentinel} />
      {nextCursor && (
        <button type="button" className="button subtle more" onClick={loadMore} disabled={loading}>
          {loading ? "Loading…" : "Load more"}
        </button>
      )}

      {selectedImage && (
        <Details
          client={client}
          image={selectedImage}
          onChange={refresh}
          onDelete={remove}
          onError={fail}
          onClose={() => {
            const id = selected;
            setSelected(undefined);
            requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-image="${id}"]`)?.focus());
          }}
        />
      )}

      {undo && (
        <div className="toast" role="status">
          <span>Deleted {undo.image.filename}</span>
          <button type="button" className="button" onClick={restore}>
            Undo
          </button>
        </div>
      )}
    </main>
  );
}

function insertAt(list: Image[], image: Image, index: number): Image[] {
  const without = list.filter((i) => i.id !== image.id);
  const at = index < 0 ? 0 : Math.min(index, without.length);
  return [...without.slice(0, at), image, ...without.slice(at)];
}
