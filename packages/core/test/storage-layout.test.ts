/** Object keys: originals and thumbnails under the year and month of creation, and ids found in keys. */
import { describe, expect, it } from "vitest";
import {
  ALLOWED_CONTENT_TYPES,
  EXTENSION_BY_TYPE,
  imageIdFromOriginalKey,
  newImageId,
  originalKey,
  thumbnailKey,
} from "../src/index.js";

const ID = "01m819gdvpkk9mqydbm4k3rth8";

describe("storage layout", () => {
  it.each(ALLOWED_CONTENT_TYPES.map((type) => [type, EXTENSION_BY_TYPE[type]] as const))(
    "keys a %s original images/{yyyy}/{mm}/{id}.%s and finds the id again",
    (type, ext) => {
      // Act
      const key = originalKey(ID, "2026-01-09T23:59:59.999Z", type);
      // Assess
      expect(key).toBe(`images/2026/01/${ID}.${ext}`);
      expect(imageIdFromOriginalKey(key)).toBe(ID);
    },
  );

  it("takes year and month from the UTC creation time, zero-padded", () => {
    // Act / Assess
    expect(originalKey(ID, "2025-12-31T23:59:59.999Z", "image/jpeg")).toBe(`images/2025/12/${ID}.jpg`);
    expect(thumbnailKey(ID, "2027-02-01T00:00:00.000Z", "thumb")).toBe(`thumbnails/2027/02/${ID}_thumb.webp`);
    expect(thumbnailKey(ID, "2027-02-01T00:00:00.000Z", "preview")).toBe(
      `thumbnails/2027/02/${ID}_preview.webp`,
    );
  });

  it("round-trips a freshly made id through the key of its creation time", () => {
    // Prepare
    const now = new Date("2026-07-15T12:00:00.000Z");
    const id = newImageId(now);
    // Act
    const key = originalKey(id, now.toISOString(), "image/heic");
    // Assess
    expect(key).toBe(`images/2026/07/${id}.heic`);
    expect(imageIdFromOriginalKey(key)).toBe(id);
  });

  it.each([
    `thumbnails/2026/03/${ID}_thumb.webp`,
    `/images/2026/03/${ID}.jpg`,
    `uploads/images/2026/03/${ID}.jpg`,
    `images/2026/3/${ID}.jpg`,
    `images/26/03/${ID}.jpg`,
    `images/2026/03/extra/${ID}.jpg`,
    `images/2026/03/../${ID}.jpg`,
    `images/2026/03/${ID}`,
    `images/2026/03/${ID}.JPG`,
    `images/2026/03/${ID}.jpg.exe`,
    `images/2026/03/${ID}.jpg/`,
    "images/2026/03/a b.jpg",
    "images/2026/03/.jpg",
    "images/whatever.jpg",
    "",
  ])("finds no image id in the foreign key %j", (key) => {
    // Act / Assess
    expect(imageIdFromOriginalKey(key)).toBeUndefined();
  });
});
