import { describe, expect, it } from "vitest";
import {
  assertUploadAllowed,
  DEFAULT_MAX_UPLOAD_BYTES,
  formatMatchesType,
  imageIdFromOriginalKey,
  newImageId,
  normalizeTags,
  originalKey,
  PayloadTooLargeError,
  thumbnailKey,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../src/index.js";

describe("upload policy", () => {
  it("accepts the contract's image types up to the maximum size", () => {
    for (const type of [
      "image/jpeg",
      "image/png",
      "image/webp",
      "image/gif",
      "image/avif",
      "image/tiff",
      "image/heic",
      "image/heif",
    ]) {
      expect(() =>
        assertUploadAllowed(type, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_MAX_UPLOAD_BYTES),
      ).not.toThrow();
    }
  });

  it("refuses other types as unsupported media and one byte over the maximum as too large", () => {
    expect(() => assertUploadAllowed("image/svg+xml", 10, 100)).toThrow(UnsupportedMediaTypeError);
    expect(() => assertUploadAllowed("text/html", 10, 100)).toThrow(UnsupportedMediaTypeError);
    expect(() => assertUploadAllowed("image/png", 101, 100)).toThrow(PayloadTooLargeError);
  });

  it("matches decoder formats to declared types, AVIF and HEIC sharing the HEIF container", () => {
    expect(formatMatchesType("jpeg", "image/jpeg")).toBe(true);
    expect(formatMatchesType("png", "image/jpeg")).toBe(false);
    expect(formatMatchesType("heif", "image/avif")).toBe(true);
    expect(formatMatchesType("heif", "image/heic")).toBe(true);
  });
});

describe("storage layout", () => {
  it("puts originals and thumbnails under year and month of creation", () => {
    const id = "01m819gdvpkk9mqydbm4k3rth8";
    expect(originalKey(id, "2026-03-04T05:06:07.000Z", "image/jpeg")).toBe(`images/2026/03/${id}.jpg`);
    expect(thumbnailKey(id, "2026-03-04T05:06:07.000Z", "thumb")).toBe(`thumbnails/2026/03/${id}_thumb.webp`);
    expect(thumbnailKey(id, "2026-12-31T23:59:59.000Z", "preview")).toBe(
      `thumbnails/2026/12/${id}_preview.webp`,
    );
  });

  it("finds the image id in an original's key and nothing in other keys", () => {
    const id = newImageId();
    expect(imageIdFromOriginalKey(originalKey(id, new Date().toISOString(), "image/png"))).toBe(id);
    expect(imageIdFromOriginalKey(`thumbnails/2026/03/${id}_thumb.webp`)).toBeUndefined();
    expect(imageIdFromOriginalKey(`images/2026/03/../${id}.jpg`)).toBeUndefined();
    expect(imageIdFromOriginalKey("images/whatever.jpg")).toBeUndefined();
  });
});

describe("image ids", () => {
  it("are 26 URL-safe characters, unique, and sort by creation time", () => {
    const earlier = newImageId(new Date("2026-01-01T00:00:00Z"));
    const later = newImageId(new Date("2026-01-01T00:00:01Z"));
    expect(earlier).toMatch(/^[0-9a-z]{26}$/);
    expect(earlier < later).toBe(true);
    const many = new Set(Array.from({ length: 1000 }, () => newImageId(new Date(0))));
    expect(many.size).toBe(1000);
  });
});

describe("tags", () => {
  it("are trimmed, lower-cased and de-duplicated in order", () => {
    expect(normalizeTags(["  Beach ", "SUNSET", "beach", "sunset "])).toEqual(["beach", "sunset"]);
  });

  it("refuse empty or over-long tags and more than 20", () => {
    expect(() => normalizeTags(["   "])).toThrow(ValidationError);
    expect(() => normalizeTags(["x".repeat(51)])).toThrow(ValidationError);
    expect(normalizeTags(["x".repeat(50)])).toHaveLength(1);
    expect(() => normalizeTags(Array.from({ length: 21 }, (_, i) => `t${i}`))).toThrow(ValidationError);
  });
});
