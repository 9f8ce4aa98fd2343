/** What may be uploaded: declared types and sizes, and which decoded formats match a declared type. */
import { describe, expect, it } from "vitest";
import {
  ALLOWED_CONTENT_TYPES,
  type AllowedContentType,
  assertUploadAllowed,
  formatMatchesType,
  isAllowedContentType,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "../src/index.js";

function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("upload policy", () => {
  it.each([
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/avif",
    "image/tiff",
    "image/heic",
    "image/heif",
  ])("accepts the contract's type %s up to exactly the maximum size", (type) => {
    // Act / Assess
    expect(isAllowedContentType(type)).toBe(true);
    expect(() => assertUploadAllowed(type, 1000, 1000)).not.toThrow();
  });

  it("refuses a type outside the list with 415 unsupported_media_type, before looking at the size", () => {
    // Act
    const error = thrown(() => assertUploadAllowed("image/svg+xml", Number.MAX_SAFE_INTEGER, 100));
    // Assess
    expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
    expect(error).toMatchObject({ code: "unsupported_media_type" });
  });

  it("refuses one byte over the maximum with 413 payload_too_large", () => {
    // Act
    const error = thrown(() => assertUploadAllowed("image/webp", 1001, 1000));
    // Assess
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ code: "payload_too_large" });
  });

  it.each(["text/html", "image/svg+xml", "application/pdf", "image/jpg", "IMAGE/JPEG", " image/jpeg", ""])(
    "does not allow %j as declared (services normalise case and spaces first)",
    (type) => {
      // Act / Assess
      expect(isAllowedContentType(type)).toBe(false);
      expect(() => assertUploadAllowed(type, 1, 100)).toThrow(UnsupportedMediaTypeError);
    },
  );

  it("matches every allowed type to its own decoder format and not to another's", () => {
    // Prepare
    const own: Record<AllowedContentType, string> = {
      "image/jpeg": "jpeg",
      "image/png": "png",
      "image/webp": "webp",
      "image/gif": "gif",
      "image/avif": "heif",
      "image/tiff": "tiff",
      "image/heic": "heif",
      "image/heif": "heif",
    };
    // Act / Assess
    for (const type of ALLOWED_CONTENT_TYPES) {
      expect(formatMatchesType(own[type], type)).toBe(true);
      for (const other of ["jpeg", "png", "webp", "gif", "tiff"].filter((f) => f !== own[type])) {
        expect(formatMatchesType(other, type)).toBe(false);
      }
      expect(formatMatchesType("svg", type)).toBe(false);
    }
    // AVIF and HEIC share the HEIF container; a decoder may name AVIF either way.
    expect(formatMatchesType("avif", "image/avif")).toBe(true);
  });
});
