/**
 * The upload queue: files are checked before any request (a refused one is listed with its reason),
 * then uploaded a few at a time, each with a progress row that follows it until it is ready or failed.
 */
import { checkFile, type Image, ImageFailedError, type PicstackClient, PicstackError } from "@picstack/sdk";
import { useState } from "react";

const PARALLEL_UPLOADS = 3;
const READY_TIMEOUT_MS = 180_000;

export interface UploadRow {
  key: string;
  name: string;
  percent: number;
  status: string;
  done: boolean;
}

export interface UploadQueue {
  uploads: UploadRow[];
  /** Why each refused file of the last choice or drop was not uploaded. */
  rejected: string[];
  start: (files: File[]) => void;
  clearFinished: () => void;
  dismissRejected: () => void;
}

export function useUploads(options: {
  client: PicstackClient;
  maxUploadBytes: number;
  /** The image exists on the server: its card can be shown. */
  onCreated: (image: Image) => void;
  /** A newer copy of an uploaded image. */
  onUpdate: (image: Image) => void;
  onUnauthorized: () => void;
}): UploadQueue {
  const { client, maxUploadBytes, onCreated, onUpdate, onUnauthorized } = options;
  const [uploads, setUploads] = useState<UploadRow[]>([]);
  const [rejected, setRejected] = useState<string[]>([]);

  const updateRow = (key: string, change: Partial<UploadRow>) =>
    setUploads((rows) => rows.map((r) => (r.key === key ? { ...r, ...change } : r)));

  const uploadOne = async (file: File, key: string) => {
    try {
      const image = await client.createUpload(file, {
        onCreated,
        onProgress: ({ loaded: sent, total }) => {
          const percent = total ? Math.round((sent / total) * 100) : 100;
          updateRow(key, { percent, status: `uploading ${percent}%` });
        },
      });
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
      updateRow(key, { status: "ready", done: true });
    } catch (e) {
      if (e instanceof ImageFailedError) {
        onUpdate(e.image);
        updateRow(key, { status: `failed: ${e.image.error?.message ?? e.message}`, done: true });
      } else {
        updateRow(key, { status: `failed: ${e instanceof Error ? e.message : String(e)}`, done: true });
        if (e instanceof PicstackError && e.status === 401) onUnauthorized();
      }
    }
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

  return {
    uploads,
    rejected,
    start,
    clearFinished: () => setUploads([]),
    dismissRejected: () => setRejected([]),
  };
}
