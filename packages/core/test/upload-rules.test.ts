/** The pure rules: upload policy, storage layout, image ids and user tags. */
import { describe, expect, it } from "vitest";
import {
  ALLOWED_CONTENT_TYPES,
  ALLOWED_FORMATS,
  type AllowedContentType,
  assertUploadAllowed,
  EXTENSION_BY_TYPE,
  formatMatchesType,
  IMAGE_ID_PATTERN,
  imageIdFromOriginalKey,
  isAllowedContentType,
  MAX_TAGS,
  newImageId,
  normalizeTags,
  originalKey,
  PayloadTooLargeError,
  thumbnailKey,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../src/index.js";

const ID = "01m819gdvpkk9mqydbm4k3rth8";
const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

/** The creation time encoded in an id's first ten characters. */
function timeOf(id: string): number {
  let time = 0;
  for (const char of id.slice(0, 10)) time = time * 32 + CROCKFORD.indexOf(char);
  return time;
}

function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("upload policy", () => {
  it("refuses a type outside the list with 415 unsupported_media_type, before looking at the size", () => {
    // Act
    const error = thrown(() => assertUploadAllowed("image/svg+xml", Number.MAX_SAFE_INTEGER, 100));
    // Assess
    expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
    expect(error).toMatchObject({ code: "unsupported_media_type" });
  });

  it("refuses one byte over the maximum with 413 payload_too_large and accepts exactly the maximum", () => {
    // Act
    const error = thrown(() => assertUploadAllowed("image/webp", 1001, 1000));
    // Assess
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ code: "payload_too_large" });
    expect(() => assertUploadAllowed("image/webp", 1000, 1000)).not.toThrow();
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
    expect(formatMatchesType("avif", "image/avif")).toBe(true);
  });

  it("accepts only raster image formats as decoded formats", () => {
    // Assess
    expect([...ALLOWED_FORMATS].sort()).toEqual(["avif", "gif", "heif", "jpeg", "png", "tiff", "webp"]);
    for (const hostile of ["svg", "pdf", "magick", "raw", "html"])
      expect(ALLOWED_FORMATS.has(hostile)).toBe(false);
  });
});

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
    // Assess
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
    "",
  ])("finds no image id in the foreign key %j", (key) => {
    // Act / Assess
    expect(imageIdFromOriginalKey(key)).toBeUndefined();
  });
});

describe("image ids", () => {
  it("are 26 URL-safe lower-case Crockford characters, without i, l, o or u", () => {
    // Act
    const ids = Array.from({ length: 200 }, () => newImageId());
    // Assess
    for (const id of ids) {
      expect(id).toHaveLength(26);
      expect(id).toMatch(IMAGE_ID_PATTERN);
      expect(encodeURIComponent(id)).toBe(id);
      expect(id).not.toMatch(/[ilou]/);
    }
  });

  it("encode their creation time in the first ten characters", () => {
    // Prepare
    const now = new Date("2026-03-04T05:06:07.089Z");
    // Act
    const id = newImageId(now);
    // Assess
    expect(timeOf(id)).toBe(now.getTime());
  });

  it("sort lexicographically in creation order, across digit boundaries", () => {
    // Prepare: times straddling powers of 32 in the encoded prefix.
    const times = [
      0,
      31,
      32,
      1023,
      1024,
      32 ** 4 - 1,
      32 ** 4,
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 0, 1) + 1,
    ];
    // Act
    const ids = times.map((t) => newImageId(new Date(t)));
    // Assess
    expect([...ids].sort()).toEqual(ids);
  });

  it("default to the current time", () => {
    // Prepare
    const before = Date.now();
    // Act
    const id = newImageId();
    // Assess
    const after = Date.now();
    expect(timeOf(id)).toBeGreaterThanOrEqual(before);
    expect(timeOf(id)).toBeLessThanOrEqual(after);
  });

  it("are unique within one millisecond", () => {
    // Prepare
    const at = new Date("2026-03-04T05:06:07.000Z");
    // Act
    const ids = Array.from({ length: 5000 }, () => newImageId(at));
    // Assess
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.slice(0, 10))).size).toBe(1);
  });
});

describe("tags", () => {
  it("lower-case and trim each tag, keep inner spaces, and keep first-seen order", () => {
    // Act
    const tags = normalizeTags(["\tNew York\n", "beach", "BEACH ", "new york", "Ünïcode"]);
    // Assess
    expect(tags).toEqual(["new york", "beach", "ünïcode"]);
  });

  it("allow none at all", () => {
    // Assess
    expect(normalizeTags([])).toEqual([]);
  });

  it("count distinct tags: 20 distinct among many duplicates pass, 21 distinct fail", () => {
    // Prepare
    const twenty = Array.from({ length: MAX_TAGS }, (_, i) => `tag${i}`);
    const withDuplicates = [...twenty, ...twenty.map((t) => ` ${t.toUpperCase()} `)];
    // Act / Assess
    expect(normalizeTags(withDuplicates)).toEqual(twenty);
    expect(() => normalizeTags([...twenty, "one-more"])).toThrow(ValidationError);
  });

  it("measure the 50-character limit after trimming", () => {
    // Assess
    expect(normalizeTags([`  ${"a".repeat(50)}  `])).toEqual(["a".repeat(50)]);
    expect(() => normalizeTags(["a".repeat(51)])).toThrow(ValidationError);
    expect(() => normalizeTags(["ok", ""])).toThrow(ValidationError);
    expect(() => normalizeTags([" \t "])).toThrow(ValidationError);
  });

  it("fail with the client-visible code validation_error", () => {
    // Act
    const error = thrown(() => normalizeTags([""]));
    // Assess
    expect(error).toMatchObject({ code: "validation_error" });
  });
});
