/**
 * A file's SHA-256, as `POST /images` takes it (`sha256`) and processed images carry it (`checksum`).
 * WebCrypto's `crypto.subtle` is in every browser (secure contexts: https and localhost) and in Node
 * >= 20 as a global, so the SDK needs no hashing library.
 */
import type { UploadBody } from "./upload.js";

/**
 * The SHA-256 of a file's bytes, in lower-case hex.
 *
 * @example
 * ```ts
 * const sha256 = await fileSha256(file);
 * const { duplicates } = await picstack.createImage({ filename: file.name, contentType: file.type, size: file.size, sha256 });
 * ```
 */
export async function fileSha256(data: UploadBody): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    // Browsers hide crypto.subtle outside secure contexts (a page served over plain http from a host
    // other than localhost): say so rather than fail on an undefined.
    throw new Error("SHA-256 needs WebCrypto (crypto.subtle): serve the page over https or from localhost");
  }
  const bytes =
    data instanceof Blob ? await data.arrayBuffer() : (data as Uint8Array<ArrayBuffer> | ArrayBuffer);
  const digest = new Uint8Array(await subtle.digest("SHA-256", bytes));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
