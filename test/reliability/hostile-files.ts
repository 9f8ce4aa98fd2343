/**
 * Hostile files, uploaded through real presigned URLs together with good photos so that queue batches
 * mix them. Each must end in its expected state (most `failed` with a code, their bytes removed), the
 * good photos must all end `ready`, no message may reach the dead-letter queue, and no batch may be
 * retried (a crashed worker would show as images stuck in `processing` past the wait).
 */
import { deflateSync } from "node:zlib";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import sharp from "sharp";
import type { Context } from "./context.js";
import { assert, type Report, sleep } from "./harness.js";

const CATEGORY = "Hostile files";

export async function photo(width = 800, height = 600): Promise<Buffer> {
  const noise = Buffer.alloc(width * height * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  return sharp(noise, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

interface HostileFile {
  name: string;
  contentType: string;
  data: Buffer;
  /** `failed` with one of these codes, or `ready` (a valid image whose hostile parts must not survive). */
  expect: { status: "failed"; codes: string[] } | { status: "ready"; why: string };
}

const CORRUPT = ["corrupt_image", "unsupported_format"];

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG that claims `width`×`height` and holds a tiny deflate stream: a decompression bomb header. */
function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(1, 8); // 1-bit greyscale: 30000² pixels compress to almost nothing
  ihdr.writeUInt8(0, 9);
  const row = Buffer.alloc(1 + Math.ceil(width / 8));
  const idat = deflateSync(Buffer.concat(Array.from({ length: 64 }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", idat),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Inserts `chunks` after a PNG's IHDR. */
function withPngChunks(png: Buffer, chunks: Buffer[]): Buffer {
  const afterIhdr = 8 + 25;
  return Buffer.concat([png.subarray(0, afterIhdr), ...chunks, png.subarray(afterIhdr)]);
}

/** Inserts an APPn segment of `size` bytes after a JPEG's SOI. */
function withJpegSegment(jpeg: Buffer, marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

/** An EXIF block whose IFD entries point at each other and far outside the block. */
function hostileExif(): Buffer {
  const tiff = Buffer.alloc(1024);
  tiff.write("II*\0", 0, "latin1");
  tiff.writeUInt32LE(8, 4); // first IFD at 8
  tiff.writeUInt16LE(60, 8); // 60 entries
  for (let i = 0; i < 60; i++) {
    const at = 10 + i * 12;
    tiff.writeUInt16LE(i % 2 ? 0x8769 : 0x010f, at); // ExifIFD pointers and Make
    tiff.writeUInt16LE(i % 2 ? 4 : 2, at + 2);
    tiff.writeUInt32LE(i % 2 ? 1 : 0x7fffffff, at + 4); // absurd count
    tiff.writeUInt32LE(i % 2 ? 8 : 0xfffffff0, at + 8); // loops back to the first IFD, or far outside
  }
  return Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
}

export async function hostileFileSet(): Promise<HostileFile[]> {
  const jpeg = await photo(640, 480);
  const png = await sharp({ create: { width: 320, height: 240, channels: 3, background: "#c33" } })
    .png()
    .toBuffer();
  const gif = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#3c3" } })
    .gif()
    .toBuffer();
  const webp = await sharp({ create: { width: 200, height: 200, channels: 3, background: "#33c" } })
    .webp()
    .toBuffer();
  const tiff = await sharp({ create: { width: 200, height: 200, channels: 3, background: "#999" } })
    .tiff()
    .toBuffer();
  const avif = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#cc3" } })
    .avif({ effort: 0 })
    .toBuffer();
  const html = Buffer.from(
    "<!doctype html><html><body><script>alert(document.cookie)</script></body></html>",
  );
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(1)</script><rect width="100" height="100"/></svg>',
  );
  const random = Buffer.alloc(4096);
  for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) & 0xff;
  const flipped = Buffer.from(jpeg);
  for (let i = Math.floor(flipped.length / 3); i < flipped.length - 4; i += 97) flipped[i] = 0xff;
  const failed = (codes: string[]) => ({ status: "failed" as const, codes });
  const ready = (why: string) => ({ status: "ready" as const, why });

  return [
    { name: "random.jpg", contentType: "image/jpeg", data: random, expect: failed(CORRUPT) },
    { name: "html-renamed.jpg", contentType: "image/jpeg", data: html, expect: failed(CORRUPT) },
    { name: "svg-renamed.png", contentType: "image/png", data: svg, expect: failed(["unsupported_format"]) },
    {
      name: "svg-declared.webp",
      contentType: "image/webp",
      data: svg,
      expect: failed(["unsupported_format"]),
    },
    {
      name: "pdf-renamed.jpg",
      contentType: "image/jpeg",
      data: Buffer.from("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),
      expect: failed(CORRUPT),
    },
    {
      name: "zip-renamed.png",
      contentType: "image/png",
      data: Buffer.from("PK\u0003\u0004\u0014\0\0\0\0\0hello.txt"),
      expect: failed(CORRUPT),
    },
    {
      name: "elf-renamed.gif",
      contentType: "image/gif",
      data: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), random]),
      expect: failed(CORRUPT),
    },
    {
      name: "json-renamed.tiff",
      contentType: "image/tiff",
      data: Buffer.from('{"not":"an image"}'),
      expect: failed(CORRUPT),
    },
    { name: "bmp.jpg", contentType: "image/jpeg", data: bmp(), expect: failed(CORRUPT) },
    { name: "one-byte.png", contentType: "image/png", data: Buffer.from([0x89]), expect: failed(CORRUPT) },
    {
      name: "jpeg-header-only.jpg",
      contentType: "image/jpeg",
      data: jpeg.subarray(0, 120),
      expect: failed(CORRUPT),
    },
    {
      name: "jpeg-truncated-half.jpg",
      contentType: "image/jpeg",
      data: jpeg.subarray(0, jpeg.length >> 1),
      expect: failed(CORRUPT),
    },
    {
      name: "jpeg-scan-corrupted.jpg",
      contentType: "image/jpeg",
      data: flipped,
      expect: ready(
        "libjpeg recovers from bad entropy data with a warning, as browsers do; refusing warnings would refuse many real camera files",
      ),
    },
    {
      name: "png-truncated.png",
      contentType: "image/png",
      data: png.subarray(0, png.length - 30),
      expect: failed(CORRUPT),
    },
    { name: "png-bad-crc.png", contentType: "image/png", data: badCrc(png), expect: failed(CORRUPT) },
    { name: "png-zero-width.png", contentType: "image/png", data: zeroWidth(png), expect: failed(CORRUPT) },
    {
      name: "gif-truncated.gif",
      contentType: "image/gif",
      data: gif.subarray(0, 40),
      expect: failed(CORRUPT),
    },
    {
      name: "gif-html-polyglot.gif",
      contentType: "image/gif",
      data: Buffer.concat([Buffer.from("GIF89a/*"), html]),
      expect: failed(CORRUPT),
    },
    {
      name: "webp-truncated.webp",
      contentType: "image/webp",
      data: webp.subarray(0, webp.length >> 1),
      expect: failed(CORRUPT),
    },
    {
      name: "tiff-truncated.tiff",
      contentType: "image/tiff",
      data: tiff.subarray(0, 64),
      expect: failed(CORRUPT),
    },
    {
      name: "avif-truncated.avif",
      contentType: "image/avif",
      data: avif.subarray(0, avif.length >> 1),
      expect: failed(CORRUPT),
    },
    {
      name: "heic-fake.heic",
      contentType: "image/heic",
      data: Buffer.concat([Buffer.from("\0\0\0\x18ftypheic\0\0\0\0mif1heic"), random]),
      expect: failed(CORRUPT),
    },
    {
      name: "png-bomb-30000x30000.png",
      contentType: "image/png",
      data: pngBomb(30000, 30000),
      expect: failed(["too_many_pixels"]),
    },
    {
      name: "png-bomb-100000x2000.png",
      contentType: "image/png",
      data: pngBomb(100_000, 2000),
      expect: failed(["too_many_pixels"]),
    },
    {
      name: "jpeg-claims-65000x65000.jpg",
      contentType: "image/jpeg",
      data: jpegClaiming(jpeg, 65000, 65000),
      expect: failed(["too_many_pixels", "corrupt_image"]),
    },
    {
      name: "gif-screen-bomb.gif",
      contentType: "image/gif",
      data: gifClaiming(gif, 65535, 65535),
      expect: ready("the 65535² logical screen is never allocated; only the 64×64 frame is decoded"),
    },
    {
      name: "exif-loops.jpg",
      contentType: "image/jpeg",
      data: withJpegSegment(jpeg, 0xe1, hostileExif()),
      expect: ready("the pixels are fine; the looping EXIF is ignored and not copied"),
    },
    {
      name: "exif-huge-64k.jpg",
      contentType: "image/jpeg",
      data: withJpegSegment(jpeg, 0xe1, Buffer.concat([Buffer.from("Exif\0\0"), Buffer.alloc(65000, 0x41)])),
      expect: ready("valid pixels; the 64 KiB EXIF is stripped from the thumbnails"),
    },
    {
      name: "app-segments-x300.jpg",
      contentType: "image/jpeg",
      data: manySegments(jpeg, 300),
      expect: ready("valid pixels; 300 APP segments are stripped"),
    },
    {
      name: "png-10000-text-chunks.png",
      contentType: "image/png",
      data: withPngChunks(
        png,
        Array.from({ length: 10000 }, (_, i) => pngChunk("tEXt", Buffer.from(`k${i}\0${"v".repeat(40)}`))),
      ),
      expect: ready("valid pixels; 10,000 text chunks are stripped"),
    },
    {
      name: "png-nested-xmp.png",
      contentType: "image/png",
      data: withPngChunks(png, [
        pngChunk(
          "iTXt",
          Buffer.concat([
            Buffer.from("XML:com.adobe.xmp\0\0\0\0\0"),
            Buffer.from(`${"<a>".repeat(20000)}${"</a>".repeat(20000)}`),
          ]),
        ),
      ]),
      expect: ready("valid pixels; the 20,000-deep XMP is never parsed and is stripped"),
    },
    {
      name: "jpeg-zip-polyglot.jpg",
      contentType: "image/jpeg",
      data: Buffer.concat([jpeg, Buffer.from("PK\u0003\u0004"), random]),
      expect: ready(
        "a JPEG with data after its end, like phones' motion photos; thumbnails are re-encoded pixels only",
      ),
    },
  ];
}

function bmp(): Buffer {
  const header = Buffer.alloc(54);
  header.write("BM", 0, "latin1");
  header.writeUInt32LE(54 + 16, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  return Buffer.concat([header, Buffer.alloc(16, 0x80)]);
}

function badCrc(png: Buffer): Buffer {
  const copy = Buffer.from(png);
  copy.writeUInt8((copy.readUInt8(29) ^ 0xff) & 0xff, 29); // IHDR's CRC
  return copy;
}

function zeroWidth(png: Buffer): Buffer {
  const copy = Buffer.from(png);
  copy.writeUInt32BE(0, 16);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(copy.subarray(12, 29)));
  crc.copy(copy, 29);
  return copy;
}

function jpegClaiming(jpeg: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(jpeg);
  for (let i = 2; i < copy.length - 9; i++) {
    if (copy[i] === 0xff && (copy[i + 1] === 0xc0 || copy[i + 1] === 0xc2)) {
      copy.writeUInt16BE(height, i + 5);
      copy.writeUInt16BE(width, i + 7);
      break;
    }
  }
  return copy;
}

function gifClaiming(gif: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(gif);
  copy.writeUInt16LE(width, 6);
  copy.writeUInt16LE(height, 8);
  return copy;
}

function manySegments(jpeg: Buffer, count: number): Buffer {
  let out = jpeg;
  for (let i = 0; i < count; i++) out = withJpegSegment(out, 0xe2 + (i % 12), Buffer.alloc(200, i & 0xff));
  return out;
}

interface Created {
  image: { id: string };
  upload: { url: string; headers?: Record<string, string> };
}

export async function hostileFiles(ctx: Context, report: Report): Promise<void> {
  const token = await ctx.token(`hostile-files-${Date.now()}`);
  const files = await hostileFileSet();
  assert(files.length >= 30, `only ${files.length} files`);
  const good = await Promise.all(Array.from({ length: 10 }, (_, i) => photo(600 + i * 10, 400)));
  const uploads = [
    ...files.map((f) => ({ ...f, good: false })),
    ...good.map((data, i) => ({
      name: `good-${i}.jpg`,
      contentType: "image/jpeg",
      data,
      good: true,
      expect: undefined,
    })),
  ];
  // Interleave, so every batch of the queue mixes good and hostile files.
  uploads.sort(
    (a, b) => ((a.name.length * 31 + a.data.length) % 7) - ((b.name.length * 31 + b.data.length) % 7),
  );

  const ids = new Map<string, { id: string; key: string }>();
  await Promise.all(
    uploads.map(async (u) => {
      const answer = await ctx.call("POST", "/images", {
        token,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ filename: u.name, contentType: u.contentType, size: u.data.length }),
      });
      assert(answer.status === 201, `${u.name}: create HTTP ${answer.status} ${answer.text.slice(0, 100)}`);
      const created = answer.json as Created;
      const put = await fetch(created.upload.url, {
        method: "PUT",
        body: u.data,
        headers: { ...created.upload.headers },
      });
      assert(put.ok, `${u.name}: upload HTTP ${put.status}`);
      ids.set(u.name, {
        id: created.image.id,
        key: decodeURIComponent(new URL(created.upload.url).pathname.split("/").slice(2).join("/")),
      });
    }),
  );

  await report.check(CATEGORY, "a zero-byte file is refused before any upload", async () => {
    const answer = await ctx.call("POST", "/images", {
      token,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ filename: "empty.jpg", contentType: "image/jpeg", size: 0 }),
    });
    assert(answer.status === 400, `HTTP ${answer.status}`);
    return `400 ${(answer.json as { error: { code: string } }).error.code}`;
  });

  // Wait for every image to reach a final state (analysis included for ready ones).
  const finals = new Map<
    string,
    { status: string; error?: { code: string }; analysis?: { status: string } }
  >();
  const deadline = Date.now() + 120_000;
  while (finals.size < uploads.length && Date.now() < deadline) {
    for (const u of uploads) {
      if (finals.has(u.name)) continue;
      const answer = await ctx.call("GET", `/images/${ids.get(u.name)?.id}`, { token });
      const body = answer.json as { status: string; analysis: { status: string } };
      if (body.status === "failed" || (body.status === "ready" && body.analysis.status !== "pending")) {
        finals.set(u.name, body);
      }
    }
    if (finals.size < uploads.length) await sleep(1000);
  }

  for (const u of uploads) {
    if (u.good) continue;
    const file = u as HostileFile;
    const label =
      file.expect.status === "failed"
        ? `${file.name} → failed (${file.expect.codes.join(" or ")})`
        : `${file.name} → ready`;
    await report.check(CATEGORY, label, async () => {
      const final = finals.get(file.name);
      assert(final, `no final state within 120 s`);
      if (file.expect.status === "failed") {
        assert(final.status === "failed", `ended ${final.status}`);
        assert(file.expect.codes.includes(final.error?.code ?? ""), `ended failed with ${final.error?.code}`);
        const stored = await ctx.s3
          .send(new HeadObjectCommand({ Bucket: ctx.outputs.bucket, Key: ids.get(file.name)?.key }))
          .then(() => true)
          .catch(() => false);
        assert(!stored, "its bytes are still in the bucket");
        return `failed ${final.error?.code}; bytes removed`;
      }
      assert(final.status === "ready", `ended ${final.status} ${final.error?.code ?? ""}`);
      const image = (await ctx.call("GET", `/images/${ids.get(file.name)?.id}`, { token })).json as {
        urls: { thumb: string };
      };
      const thumb = Buffer.from(await (await fetch(image.urls.thumb)).arrayBuffer());
      const meta = await sharp(thumb).metadata();
      assert(
        meta.format === "webp" && !meta.exif && !meta.xmp && !meta.icc,
        "the thumbnail carries metadata",
      );
      return `ready: ${file.expect.why}`;
    });
  }

  await report.check(CATEGORY, "the good photos in the same batches all end ready", async () => {
    const goods = uploads.filter((u) => u.good);
    const states = goods.map((u) => finals.get(u.name)?.status ?? "unfinished");
    assert(
      states.every((s) => s === "ready"),
      `states: ${states.join(", ")}`,
    );
    return `${goods.length}/${goods.length} ready`;
  });

  await report.check(CATEGORY, "no message reached the dead-letter queue", async () => {
    const attributes = await ctx.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: ctx.outputs.deadLetterQueue,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    const count = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0);
    assert(count === 0, `${count} messages in the DLQ`);
    return "0 messages";
  });
  report.figure(CATEGORY, { "hostile files": files.length, "good photos mixed in": good.length });
}
