export { fileSha256 } from "./checksum.js";
export {
  type CreateUploadOptions,
  checkFile,
  contentTypeFor,
  PicstackClient,
  type PicstackClientOptions,
  type RetryOptions,
  type TokenSource,
  type UploadSource,
  type WaitOptions,
} from "./client.js";
export {
  type ApiErrorCode,
  FileRejectedError,
  ImageFailedError,
  PicstackError,
  SemanticUnavailableError,
  UploadError,
  WaitTimeoutError,
} from "./errors.js";
export * from "./types.js";
export type { UploadBody, UploadProgress } from "./upload.js";
