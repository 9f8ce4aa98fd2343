/**
 * The upload queue: files are checked before any request (a refused one is listed with its reason),
 * then uploaded a few at a time, each with a progress row that follows it until it is ready or failed.
 * A `429` is waited out by the SDK (the client is made with a high `rateLimitedRetries`, each wait as
 * `Retry-After` says), so a drop larger than the per-user rate limit queues instead of failing; a row
 * that still fails offers Retry, which picks up where it stopped (an image whose bytes were sent is
 * only waited for again, never created twice).
 */
import { checkFile, type Image, ImageFailedError, type PicstackClient, PicstackError } from "@picstack/sdk";
import { useRef, useState } from "react";

const PARALLEL_UPLOADS = 3;
const READY_TIMEOUT_MS = 180_000;

export interface UploadRow {
  key: string;
  name: string;
  percent: number;
  status: string;
  done: boolean;
  /** Ended without the image becoming ready or failing on the server: Retry can try again. */
  retryable: boolean;
}

export interface UploadQueue {
  uploads: UploadRow[];
  /** Why each refused file of the last choice or drop was not uploaded. */
  rejected: string[];
  start: (files: File[]) => void;
  retry: (key: string) => void;
  clearFinished: () => void;
  dismissRejected: () => void;
}

/** What the queue remembers of one file between attempts. */
interface Job {
  key: string;
  file: File;
  /** The image created for it whose bytes reached storage: a retry only waits for it. */
  uploaded?: Image;
  /** An image created for it whose bytes did not arrive: a retry removes it before starting again. */
  abandoned?: string;
}

export function useUploads(options: {
  client: PicstackClient;
  maxUploadBytes: number;
  /** The image exists on the server: its card can be shown. */
  onCreated: (image: Image) => void;
  /** A newer copy of an uploaded image. */
  onUpdate: (image: Image) => void;
  /** An image created for an upload that is being started again: its card goes. */
  onRemoved: (id: string) => void;
  onUnauthorized: () => void;
}): UploadQueue {
  const { client, maxUploadBytes, onCreated, onUpdate, onRemoved, onUnauthorized } = options;
  const [uploads, setUploads] = useState<UploadRow[]>([]);
  const [rejected, setRejected] = useState<string[]>([]);
  const jobs = useRef(new Map<string, Job>());
  const queue = useRef<Job[]>([]);
  const running = useRef(0);

  const updateRow = (key: string, change: Partial<UploadRow>) =>
    setUploads((rows) => rows.map((r) => (r.key === key ? { ...r, ...change } : r)));

  const uploadOne = async (job: Job) => {
    const { key } = job;
    let created: Image | undefined;
    try {
      let image = job.uploaded;
      if (!image) {
        if (job.abandoned) {
          const stale = job.abandoned;
          await client.deleteImage(stale).catch(() => {});
          onRemoved(stale);
          job.abandoned = undefined;
        }
        image = await client.createUpload(job.file, {
          onCreated: (fresh) => {
            created = fresh;
            onCreated(fresh);
          },
          onProgress: ({ loaded: sent, total }) => {
            const percent = total ? Math.round((sent / total) * 100) : 100;
            updateRow(key, { percent, status: `uploading ${percent}%` });
          },
        });
        job.uploaded = image;
      }
      updateRow(key, { percent: 100, status: "checking" });
      const ready = await client.waitUntilReady(image.id, {
        timeoutMs: READY_TIMEOUT_MS,
        onUpdate: (update) => {
          onUpdate(update);
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
      onUpdate(ready);
      updateRow(key, { status: "ready", done: true, retryable: false });
      jobs.current.delete(key);
    } catch (e) {
      if (created && !job.uploaded) job.abandoned = created.id;
      if (e instanceof ImageFailedError) {
        // The server checked the bytes and refused them: uploading the same file again would fail again.
        onUpdate(e.image);
        updateRow(key, {
          status: `failed: ${e.image.error?.message ?? e.message}`,
          done: true,
          retryable: false,
        });
        jobs.current.delete(key);
      } else {
        updateRow(key, {
          status: `failed: ${e instanceof Error ? e.message : String(e)}`,
          done: true,
          retryable: true,
        });
        if (e instanceof PicstackError && e.status === 401) onUnauthorized();
      }
    }
  };

  /** Starts workers up to the limit; each takes jobs from the queue until it is empty. */
  const pump = () => {
    const worker = async () => {
      running.current++;
      try {
        for (let next = queue.current.shift(); next; next = queue.current.shift()) await uploadOne(next);
      } finally {
        running.current--;
      }
    };
    // A worker takes its first job synchronously, so the loop ends once the queue is empty or all run.
    while (running.current < PARALLEL_UPLOADS && queue.current.length > 0) void worker();
  };

  const start = (files: File[]) => {
    const refused: string[] = [];
    const accepted: File[] = [];
    for (const file of files) {
      const problem = checkFile(file, maxUploadBytes);
      if (problem)
        refused.push(
          problem.message.startsWith(file.name) ? problem.message : `${file.name}: ${problem.message}`,
        );
      else accepted.push(file);
    }
    setRejected(refused);
    const stamp = Date.now();
    const added = accepted.map((file, i) => ({ key: `${stamp}-${i}-${file.name}`, file }));
    const rows: UploadRow[] = added.map(({ key, file }) => ({
      key,
      name: file.name,
      percent: 0,
      status: "waiting",
      done: false,
      retryable: false,
    }));
    setUploads((current) => [...rows, ...current.filter((r) => !r.done || r.retryable)]);
    for (const job of added) {
      jobs.current.set(job.key, job);
      queue.current.push(job);
    }
    pump();
  };

  const retry = (key: string) => {
    const job = jobs.current.get(key);
    if (!job) return;
    updateRow(key, { status: "waiting", done: false, retryable: false });
    queue.current.push(job);
    pump();
  };

  return {
    uploads,
    rejected,
    start,
    retry,
    clearFinished: () => {
      setUploads((rows) => {
        for (const row of rows) if (row.done) jobs.current.delete(row.key);
        return rows.filter((r) => !r.done);
      });
    },
    dismissRejected: () => setRejected([]),
  };
}
