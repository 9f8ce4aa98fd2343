/**
 * Sending bytes to a presigned upload, with progress. Browsers use XMLHttpRequest (the only way to see
 * upload progress there); elsewhere `fetch` with a streamed body and the exact Content-Length that the
 * signature binds.
 */
import { UploadError } from "./errors.js";
import type { PresignedUpload } from "./types.js";

export type UploadBody = Blob | Uint8Array | ArrayBuffer;

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface SendOptions {
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

const CHUNK = 64 * 1024;

/** The part of the browser's XMLHttpRequest used here (typed locally so the SDK builds without DOM types). */
interface Xhr {
  status: number;
  responseText: string;
  upload: { onprogress: ((event: { loaded: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob | FormData): void;
  abort(): void;
}

/** The browser's XMLHttpRequest, where there is one. */
export function browserXhr(): (new () => Xhr) | undefined {
  return (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;
}

export function bodySize(body: UploadBody): number {
  return body instanceof Blob ? body.size : body.byteLength;
}

async function toBytes(body: UploadBody): Promise<Uint8Array<ArrayBuffer>> {
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  if (body instanceof Uint8Array) {
    return body.buffer instanceof ArrayBuffer ? (body as Uint8Array<ArrayBuffer>) : new Uint8Array(body);
  }
  return new Uint8Array(body);
}

/** Sends `body` to `upload` once. Resolves when storage accepted it; throws `UploadError` if not. */
export async function sendToStorage(
  upload: PresignedUpload,
  body: UploadBody,
  contentType: string,
  options: SendOptions = {},
): Promise<void> {
  const total = bodySize(body);
  const XhrClass = browserXhr();
  if (XhrClass && !options.fetch) {
    return sendWithXhr(new XhrClass(), upload, body, contentType, total, options);
  }
  const fetchFn = options.fetch ?? fetch;
  let request: RequestInit & { duplex?: "half" };
  if (upload.method === "POST") {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields ?? {})) form.append(name, value);
    form.append("Content-Type", contentType);
    form.append("file", body instanceof Blob ? body : new Blob([await toBytes(body)], { type: contentType }));
    request = { method: "POST", body: form };
  } else {
    const bytes = await toBytes(body);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull(controller) {
        if (sent >= bytes.byteLength) {
          controller.close();
          return;
        }
        const chunk = bytes.subarray(sent, sent + CHUNK);
        sent += chunk.byteLength;
        controller.enqueue(chunk);
        options.onProgress?.({ loaded: sent, total });
      },
    });
    request = {
      method: "PUT",
      body: total === 0 ? bytes : stream,
      duplex: "half",
      headers: { "Content-Type": contentType, ...upload.headers, "Content-Length": String(total) },
    };
  }
  let response: Response;
  try {
    response = await fetchFn(upload.url, { ...request, signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new UploadError(0, `Could not reach storage: ${(error as Error).message}`, error);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => "");
    throw new UploadError(response.status, storageMessage(response.status, text));
  }
  options.onProgress?.({ loaded: total, total });
}

function sendWithXhr(
  xhr: Xhr,
  upload: PresignedUpload,
  body: UploadBody,
  contentType: string,
  total: number,
  options: SendOptions,
): Promise<void> {
  return new Promise((resolve, reject) => {
    xhr.open(upload.method, upload.url);
    xhr.upload.onprogress = (event) => options.onProgress?.({ loaded: event.loaded, total });
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        options.onProgress?.({ loaded: total, total });
        resolve();
      } else reject(new UploadError(xhr.status, storageMessage(xhr.status, xhr.responseText)));
    };
    xhr.onerror = () => reject(new UploadError(0, "Could not reach storage"));
    xhr.onabort = () => reject(new DOMException("The upload was aborted", "AbortError"));
    options.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    const payload = body instanceof Blob ? body : new Blob([body as Uint8Array<ArrayBuffer>]);
    if (upload.method === "POST") {
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.fields ?? {})) form.append(name, value);
      form.append("Content-Type", contentType);
      form.append("file", payload);
      xhr.send(form);
    } else {
      // setRequestHeader appends to a header already set, and a doubled Content-Type breaks the
      // signature: merge by name first. Browsers set Content-Length themselves and refuse to be told.
      const headers = new Map<string, [string, string]>([["content-type", ["Content-Type", contentType]]]);
      for (const [name, value] of Object.entries(upload.headers ?? {}))
        headers.set(name.toLowerCase(), [name, value]);
      headers.delete("content-length");
      for (const [name, value] of headers.values()) xhr.setRequestHeader(name, value);
      xhr.send(payload);
    }
  });
}

function storageMessage(status: number, body: string): string {
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]+)<\/Message>/.exec(body)?.[1];
  const detail = [code, message].filter(Boolean).join(": ");
  return `Storage refused the upload (HTTP ${status}${detail ? `, ${detail}` : ""})`;
}
