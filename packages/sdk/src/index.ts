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
  UploadError,
  WaitTimeoutError,
} from "./errors.js";
export * from "./types.js";
export type { UploadBody, UploadProgress } from "./upload.js";
