/** What may be uploaded: content types, their file extensions and the sharp formats that match them. */

import { PayloadTooLargeError, UnsupportedMediaTypeError } from "./errors.js";
import { TRIMMED_CHARACTERS } from "./patterns.js";

export const ALLOWED_CONTENT_TYPES = [
  "image/jpeg",
  "image/png",
  "image/webp",
  "image/gif",
  "image/avif",
  "image/tiff",
  "image/heic",
  "image/heif",
] as const;

/**
 * What `createUpload` accepts for `contentType` before it trims and lower-cases it, as a pattern an
 * OpenAPI document can carry (JSON Schema patterns have no case-insensitive flag).
 */
export const ACCEPTED_CONTENT_TYPE_PATTERN = (() => {
  const trimmed = `[${TRIMMED_CHARACTERS}]*`;
  const anyCase = (type: string) =>
    [...type].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join("");
  return `^${trimmed}(?:${ALLOWED_CONTENT_TYPES.map(anyCase).join("|")})${trimmed}$`;
})();

export type AllowedContentType = (typeof ALLOWED_CONTENT_TYPES)[number];

/** File extension used in the object key of an original. */
export const EXTENSION_BY_TYPE: Record<AllowedContentType, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/avif": "avif",
  "image/tiff": "tiff",
  "image/heic": "heic",
  "image/heif": "heif",
};

/**
 * Formats as a decoder reports them (sharp/libvips names). AVIF, HEIC and HEIF are all in the HEIF
 * container, so any of them is accepted for any of those declared types.
 */
const FORMATS_BY_TYPE: Record<AllowedContentType, ReadonlyArray<string>> = {
  "image/jpeg": ["jpeg"],
  "image/png": ["png"],
  "image/webp": ["webp"],
  "image/gif": ["gif"],
  "image/avif": ["heif", "avif"],
  "image/tiff": ["tiff"],
  "image/heic": ["heif"],
  "image/heif": ["heif"],
};

/** Every decoder format that is an allowed image type. */
export const ALLOWED_FORMATS: ReadonlySet<string> = new Set(Object.values(FORMATS_BY_TYPE).flat());

export const DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export function isAllowedContentType(value: string): value is AllowedContentType {
  return (ALLOWED_CONTENT_TYPES as ReadonlyArray<string>).includes(value);
}

/** Whether decoded bytes of `format` match the declared content type. */
export function formatMatchesType(format: string, contentType: AllowedContentType): boolean {
  return FORMATS_BY_TYPE[contentType].includes(format);
}

/** Throws the domain error a client should see for a declared type and size. */
export function assertUploadAllowed(
  contentType: string,
  size: number,
  maxBytes: number,
): asserts contentType is AllowedContentType {
  if (!isAllowedContentType(contentType)) {
    throw new UnsupportedMediaTypeError(
      `Content type ${JSON.stringify(contentType)} is not accepted; use one of ${ALLOWED_CONTENT_TYPES.join(", ")}`,
    );
  }
  if (size > maxBytes) {
    throw new PayloadTooLargeError(`The file is ${size} bytes; the maximum is ${maxBytes} bytes`);
  }
}
