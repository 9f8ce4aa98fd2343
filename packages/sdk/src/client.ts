/**
 * The Picstack API client. Works wherever `fetch` exists (browsers, Node >= 20, Deno, Bun).
 *
 * @example
 * ```ts
 * const picstack = new PicstackClient({ baseUrl: outputs.apiUrl, token: () => getToken() });
 * const image = await picstack.createUpload(file, { onProgress: ({ loaded, total }) => bar(loaded / total) });
 * const ready = await picstack.waitUntilReady(image.id);
 * for await (const item of picstack.iterateImages({ tag: "beach" })) console.log(item.filename);
 * const { items, mode } = await picstack.search({ query: "pier at dawn", tag: "beach" });
 * ```
 */
import { fileSha256 } from "./checksum.js";
import {
  FileRejectedError,
  ImageFailedError,
  PicstackError,
  SemanticUnavailableError,
  UploadError,
  WaitTimeoutError,
} from "./errors.js";
import {
  ALLOWED_CONTENT_TYPES,
  type CreatedImage,
  type CreateImageInput,
  DEFAULT_MAX_UPLOAD_BYTES,
  type Health,
  type Image,
  type ImagePage,
  type ListImagesQuery,
  type SearchPage,
  type SearchParams,
  type SearchResult,
  type SimilarPage,
  type UpdateImageInput,
} from "./types.js";
import {
  bodySize,
  browserXhr,
  type SendOptions,
  sendToStorage,
  type UploadBody,
  type UploadProgress,
} from "./upload.js";

export type TokenSource = string | (() => string | Promise<string>);

export interface RetryOptions {
  /** Attempts after the first (default 3). */
  retries?: number;
  /** First backoff delay (default 250 ms); doubles each time, with jitter. */
  baseDelayMs?: number;
  /** Longest single delay (default 5 s). */
  maxDelayMs?: number;
  /**
   * Attempts after a `429` (default: `retries`). A 429 means the API did nothing, so retrying is safe
   * for every method; each retry waits as `Retry-After` says (at most 4 × `maxDelayMs`). A client that
   * queues many requests (a gallery's upload queue) sets this high to ride out a per-user limit.
   */
  rateLimitedRetries?: number;
}

export interface PicstackClientOptions {
  /** The API's base URL: `apiUrl` in `.picstack/outputs.json`, or the stack's `ApiUrl` output. */
  baseUrl: string;
  token?: TokenSource;
  retry?: RetryOptions;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** Largest upload the client lets through before asking the server (default 25 MiB, the server's default). */
  maxUploadBytes?: number;
}

/** What `createUpload` takes: a browser `File`, or bytes with a name and type. */
export interface UploadSource {
  data: UploadBody;
  filename?: string;
  contentType?: string;
}

export interface CreateUploadOptions {
  note?: string | null;
  tags?: string[];
  onProgress?: (progress: UploadProgress) => void;
  /**
   * Called once the image exists, before its bytes are sent, with the caller's images that have the
   * same bytes (empty unless a `sha256` was given or computed).
   */
  onCreated?: (image: Image, duplicates: string[]) => void;
  /**
   * The file's SHA-256 (64 hex), or `true` to compute it from the bytes first (`fileSha256`). The
   * server binds the upload to it and lists the caller's images with the same bytes.
   */
  sha256?: string | true;
  /**
   * When the caller already has these bytes (the server lists its ready images with the same SHA-256),
   * delete the record just made, send nothing, and resolve with that existing image instead. Computes
   * the SHA-256 unless `sha256` gives it. A listed image that is gone or not ready when read again does
   * not count; with none left, the file is uploaded as usual.
   */
  skipDuplicates?: boolean;
  /** Called when `skipDuplicates` skipped the upload, with the image the caller already had. */
  onSkipped?: (existing: Image) => void;
  signal?: AbortSignal;
  /** Retries for sending the bytes (network errors, 5xx from storage). */
  retry?: RetryOptions;
}

export interface WaitOptions {
  /** Give up after this long (default 120 s). */
  timeoutMs?: number;
  /** Also wait for the AI analysis to finish (default true). */
  analysis?: boolean;
  /** Called with every answer that is not yet final. */
  onUpdate?: (image: Image) => void;
  signal?: AbortSignal;
  /** First poll delay (default 300 ms); grows by 1.5× up to `maxPollMs`. */
  pollMs?: number;
  maxPollMs?: number;
}

const EXTENSION_TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  avif: "image/avif",
  tif: "image/tiff",
  tiff: "image/tiff",
  heic: "image/heic",
  heif: "image/heif",
};

/** The content type a file name implies, or undefined for names the API would not take. */
export function contentTypeFor(filename: string): string | undefined {
  const extension = /\.([^.]+)$/.exec(filename)?.[1]?.toLowerCase();
  return extension ? EXTENSION_TYPES[extension] : undefined;
}

/**
 * Checks a file the way the API will, before anything is sent, so a client can say why at once.
 * Returns the error, or undefined when the file may be uploaded.
 */
export function checkFile(
  file: { name: string; type?: string; size: number },
  maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES,
): FileRejectedError | undefined {
  const type = file.type || contentTypeFor(file.name);
  if (!type || !(ALLOWED_CONTENT_TYPES as readonly string[]).includes(type)) {
    return new FileRejectedError(
      "unsupported_media_type",
      `${file.name}: ${type ? `${type} is` : "this file type is"} not supported (JPEG, PNG, WebP, GIF, AVIF, TIFF, HEIC)`,
    );
  }
  if (file.size === 0) return new FileRejectedError("empty_file", `${file.name} is empty`);
  if (file.size > maxUploadBytes) {
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    return new FileRejectedError(
      "payload_too_large",
      `${file.name} is ${mib(file.size)}; the limit is ${mib(maxUploadBytes)}`,
    );
  }
  return undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

function backoff(attempt: number, retry: Required<RetryOptions>): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

const IDEMPOTENT = new Set(["GET", "PATCH", "DELETE", "HEAD"]);

export class PicstackClient {
  readonly baseUrl: string;
  private readonly token?: TokenSource;
  private readonly retry: Required<RetryOptions>;
  private readonly fetchFn: typeof fetch;
  private readonly maxUploadBytes: number;

  constructor(options: PicstackClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    const retries = options.retry?.retries ?? 3;
    this.retry = {
      retries,
      baseDelayMs: 250,
      maxDelayMs: 5000,
      rateLimitedRetries: retries,
      ...options.retry,
    };
    this.fetchFn = options.fetch ?? ((...args) => fetch(...args));
    this.maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  }

  /**
   * Makes a `pending` image and a presigned upload for it. Nothing is sent to storage. With `sha256`,
   * `duplicates` lists the caller's images with the same bytes (the caller may then `deleteImage` the
   * new one and not upload).
   */
  async createImage(input: CreateImageInput): Promise<CreatedImage> {
    const created = await this.request<CreatedImage>("POST", "/images", input);
    // A server from before duplicates existed answers without the field: it found none.
    return { ...created, duplicates: created.duplicates ?? [] };
  }

  /**
   * Creates an image and uploads its bytes, with progress and retries. Resolves with the image
   * (still `pending`: the server checks and processes it next; see `waitUntilReady`), or, with
   * `skipDuplicates`, with the image the caller already had for these bytes.
   */
  async createUpload(source: UploadSource | Blob, options: CreateUploadOptions = {}): Promise<Image> {
    const data = source instanceof Blob ? source : source.data;
    const filename =
      (source instanceof Blob ? (source as { name?: string }).name : source.filename) ?? "upload";
    const declaredType = (source instanceof Blob ? source.type : source.contentType) || undefined;
    const contentType = declaredType ?? contentTypeFor(filename) ?? "application/octet-stream";
    const size = bodySize(data);
    const rejected = checkFile({ name: filename, type: contentType, size }, this.maxUploadBytes);
    if (rejected) throw rejected;

    const input: CreateImageInput = { filename, contentType, size };
    if (options.note !== undefined) input.note = options.note;
    if (options.tags !== undefined) input.tags = options.tags;
    const sha256 =
      typeof options.sha256 === "string"
        ? options.sha256.toLowerCase()
        : options.sha256 === true || options.skipDuplicates
          ? await fileSha256(data)
          : undefined;
    if (sha256 !== undefined) input.sha256 = sha256;
    const { image, upload, duplicates } = await this.createImage(input);
    options.onCreated?.(image, duplicates);
    if (options.skipDuplicates && duplicates.length > 0) {
      const existing = await this.existingCopy(duplicates, options.signal);
      if (existing) {
        // The contract's way to skip: the new record goes, with nothing uploaded under it.
        await this.deleteImage(image.id);
        options.onSkipped?.(existing);
        return existing;
      }
    }
    await this.sendBytes(upload, data, contentType, options);
    return image;
  }

  /**
   * The first of `ids` whose bytes the server has (ready; or being processed, should a server list
   * those). A duplicate deleted since the answer, or one whose own upload never came (`pending`) or
   * failed, is no copy to keep.
   */
  private async existingCopy(ids: string[], signal?: AbortSignal): Promise<Image | undefined> {
    const found: Image[] = [];
    for (const id of ids) {
      try {
        found.push(await this.getImage(id, signal ? { signal } : {}));
      } catch (error) {
        if (error instanceof PicstackError && error.status === 404) continue;
        throw error;
      }
      if (found.at(-1)?.status === "ready") break;
    }
    return found.find((i) => i.status === "ready") ?? found.find((i) => i.status === "processing");
  }

  /** Sends bytes to a presigned upload from `createImage`, retrying network errors and 5xx answers. */
  async sendBytes(
    upload: CreatedImage["upload"],
    data: UploadBody,
    contentType: string,
    options: Pick<CreateUploadOptions, "onProgress" | "signal" | "retry"> = {},
  ): Promise<void> {
    const retry = { ...this.retry, ...options.retry };
    const send: SendOptions = {};
    if (options.onProgress) send.onProgress = options.onProgress;
    if (options.signal) send.signal = options.signal;
    if (!browserXhr()) send.fetch = this.fetchFn;
    for (let attempt = 0; ; attempt++) {
      try {
        await sendToStorage(upload, data, contentType, send);
        return;
      } catch (error) {
        const retryable = error instanceof UploadError && (error.status === 0 || error.status >= 500);
        if (!retryable || attempt >= retry.retries || options.signal?.aborted) throw error;
        options.onProgress?.({ loaded: 0, total: bodySize(data) });
        await sleep(backoff(attempt, retry), options.signal);
      }
    }
  }

  /** One image, with presigned `urls` once it has thumbnails. */
  getImage(id: string, options: { signal?: AbortSignal } = {}): Promise<Image> {
    return this.request("GET", `/images/${encodeURIComponent(id)}`, undefined, options.signal);
  }

  /** One page of the caller's images, newest first unless `order: "asc"`. */
  listImages(query: ListImagesQuery = {}, options: { signal?: AbortSignal } = {}): Promise<ImagePage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const search = params.size > 0 ? `?${params}` : "";
    return this.request("GET", `/images${search}`, undefined, options.signal);
  }

  /** Every image matching `query`, following cursors page by page (a page may be short or empty and still have one). */
  async *iterateImages(query: Omit<ListImagesQuery, "cursor"> = {}): AsyncGenerator<Image, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.listImages(cursor ? { ...query, cursor } : query);
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /**
   * One page of search results, best first (or newest first with `sort: "date"`). Throws
   * `SemanticUnavailableError` for `mode: "semantic"` on a server without an embedding provider.
   */
  search(params: SearchParams, options: { signal?: AbortSignal } = {}): Promise<SearchPage> {
    // A search changes nothing, so it is retried like a GET though it is a POST.
    return this.request("POST", "/images/search", params, options.signal, { safe: true });
  }

  /** Every search result, following cursors page by page (a page may be short or empty and still have one). */
  async *iterateSearch(
    params: Omit<SearchParams, "cursor">,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<SearchResult, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.search(cursor ? { ...params, cursor } : params, options);
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** The caller's images most like this one, most alike first: duplicates, near duplicates, then similar. */
  similar(id: string, options: { limit?: number; signal?: AbortSignal } = {}): Promise<SimilarPage> {
    const query = options.limit !== undefined ? `?limit=${options.limit}` : "";
    return this.request(
      "GET",
      `/images/${encodeURIComponent(id)}/similar${query}`,
      undefined,
      options.signal,
    );
  }

  updateImage(id: string, input: UpdateImageInput): Promise<Image> {
    return this.request("PATCH", `/images/${encodeURIComponent(id)}`, input);
  }

  /** Soft delete: gone from list and get at once; `restoreImage` undoes it within the retention period. */
  async deleteImage(id: string): Promise<void> {
    await this.request("DELETE", `/images/${encodeURIComponent(id)}`);
  }

  restoreImage(id: string): Promise<Image> {
    return this.request("POST", `/images/${encodeURIComponent(id)}/restore`);
  }

  /** Runs the analysis again (after a provider failure, say). */
  analyzeImage(id: string): Promise<Image> {
    return this.request("POST", `/images/${encodeURIComponent(id)}/analyze`);
  }

  health(): Promise<Health> {
    return this.request("GET", "/health", undefined, undefined, { allowStatus: [503] });
  }

  /**
   * Polls an image with backoff until it is `ready` (and, by default, analysed). Throws
   * `ImageFailedError` if it ends `failed`, `WaitTimeoutError` past the deadline.
   */
  async waitUntilReady(id: string, options: WaitOptions = {}): Promise<Image> {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    const maxPoll = options.maxPollMs ?? 5000;
    let delay = options.pollMs ?? 300;
    let last: Image | undefined;
    for (;;) {
      last = await this.getImage(id, options.signal ? { signal: options.signal } : {});
      if (last.status === "failed") throw new ImageFailedError(last);
      const analysing = last.analysis.status === "pending" && options.analysis !== false;
      if (last.status === "ready" && !analysing) return last;
      options.onUpdate?.(last);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new WaitTimeoutError(
          `${last.filename} (${id}) is still ${last.status}${last.status === "ready" ? " (analysing)" : ""} after ${options.timeoutMs ?? 120_000} ms`,
        );
      }
      await sleep(Math.min(delay, left), options.signal);
      delay = Math.min(maxPoll, delay * 1.5);
    }
  }

  private async authorization(): Promise<string | undefined> {
    if (this.token === undefined) return undefined;
    const token = typeof this.token === "function" ? await this.token() : this.token;
    return token ? `Bearer ${token}` : undefined;
  }

  /**
   * One API call. Retries 429 (after `Retry-After`) for every method, and network errors and 5xx for
   * idempotent ones; everything else becomes a `PicstackError` with the API's code.
   */
  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
    options: { allowStatus?: number[]; safe?: boolean } = {},
  ): Promise<T> {
    const idempotent = options.safe || IDEMPOTENT.has(method);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { Accept: "application/json" };
      const authorization = await this.authorization();
      if (authorization) headers.Authorization = authorization;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      let response: Response;
      try {
        response = await this.fetchFn(`${this.baseUrl}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
      } catch (cause) {
        if (signal?.aborted) throw cause;
        const error = new PicstackError(
          0,
          "network_error",
          `Could not reach the API: ${(cause as Error).message}`,
          {
            cause,
          },
        );
        if (!idempotent || attempt >= this.retry.retries) throw error;
        await sleep(backoff(attempt, this.retry), signal);
        continue;
      }
      if (response.ok || options.allowStatus?.includes(response.status)) {
        if (response.status === 204) return undefined as T;
        return (await response.json()) as T;
      }
      const error = await toError(response);
      const limited = response.status === 429;
      const retryable = limited || (response.status >= 500 && idempotent);
      if (!retryable || attempt >= (limited ? this.retry.rateLimitedRetries : this.retry.retries))
        throw error;
      const wait =
        error.retryAfterSeconds !== undefined
          ? Math.min(error.retryAfterSeconds * 1000, this.retry.maxDelayMs * 4)
          : backoff(attempt, this.retry);
      await sleep(wait, signal);
    }
  }
}

async function toError(response: Response): Promise<PicstackError> {
  const text = await response.text().catch(() => "");
  let code = `http_${response.status}`;
  let message = `The API answered HTTP ${response.status}`;
  let details: unknown;
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (typeof parsed.error?.code === "string") code = parsed.error.code;
    if (typeof parsed.error?.message === "string") message = parsed.error.message;
    details = parsed.error?.details;
  } catch {
    // Not JSON (a gateway page, say): keep the generic code.
  }
  const retryAfter = Number(response.headers.get("retry-after"));
  const extra: { retryAfterSeconds?: number; details?: unknown } = {};
  if (Number.isFinite(retryAfter) && response.headers.has("retry-after"))
    extra.retryAfterSeconds = retryAfter;
  if (details !== undefined) extra.details = details;
  if (response.status === 409 && code === "semantic_unavailable") {
    return new SemanticUnavailableError(message, details === undefined ? {} : { details });
  }
  return new PicstackError(response.status, code, message, extra);
}
