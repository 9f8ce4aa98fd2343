/**
 * The analysis worker on the local stack: hostile files end `failed` with a code and leave no bytes,
 * awkward real images come out right, and a duplicate notification changes nothing.
 */
import { crc32 } from "node:zlib";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { api, outputs, s3, sqs, tokenFor, uploadImage, waitForStatus } from "./helpers.js";

function originalKey(image: { id: string; createdAt: string }, ext: string) {
  return `images/${image.createdAt.slice(0, 4)}/${image.createdAt.slice(5, 7)}/${image.id}.${ext}`;
}

/** A valid 1×1 PNG whose header is rewritten to claim a width × height canvas (CRC fixed up). */
async function pixelBomb(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 1, height: 1, channels: 3, background: "#000" } })
      .png()
      .toBuffer(),
  );
  // Signature (8) + length (4) + "IHDR" (4), then width and height, then the rest of IHDR and its CRC.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}

describe("hostile files", () => {
  it.each([
    [
      "a truncated JPEG",
      async () =>
        (
          await sharp({ create: { width: 800, height: 600, channels: 3, background: "#357" } })
            .jpeg()
            .toBuffer()
        ).subarray(0, 3000),
      "image/jpeg",
      "jpg",
      "corrupt_image",
    ],
    [
      "an SVG named .png",
      async () =>
        Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
        ),
      "image/png",
      "png",
      "unsupported_format",
    ],
    [
      "HTML named .jpg",
      async () => Buffer.from("<!doctype html><script>alert(1)</script>"),
      "image/jpeg",
      "jpg",
      "unsupported_format",
    ],
    [
      "a tiny PNG declaring a 50000×50000 canvas",
      () => pixelBomb(50_000, 50_000),
      "image/png",
      "png",
      "too_many_pixels",
    ],
  ] as const)("%s ends failed with its code and leaves no bytes", async (_, make, type, ext, code) => {
    // Prepare
    const token = await tokenFor(`hostile-${Date.now()}`);
    const bytes = await make();

    // Act
    const image = await uploadImage(token, Buffer.from(bytes), type, `hostile.${ext}`);
    const done = await waitForStatus(token, image.id, ["ready", "failed"]);

    // Assess
    expect(done.status).toBe("failed");
    expect(done.error).toMatchObject({ code });
    await expect(
      s3().send(new HeadObjectCommand({ Bucket: outputs().bucket, Key: originalKey(image, ext) })),
    ).rejects.toMatchObject({ name: "NotFound" });
  });
});

describe("real images", () => {
  it("orients by EXIF, keeps transparency and takes the first frame of an animation", async () => {
    const token = await tokenFor(`real-${Date.now()}`);
    const rotated = await sharp({ create: { width: 400, height: 200, channels: 3, background: "#a52" } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const transparent = await sharp({
      create: { width: 300, height: 300, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.4 } },
    })
      .png()
      .toBuffer();
    const frames = await Promise.all(
      ["#0f0", "#f00"].map((c) =>
        sharp({ create: { width: 120, height: 90, channels: 3, background: c } })
          .png()
          .toBuffer(),
      ),
    );
    const animated = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();

    const images = [
      await uploadImage(token, rotated, "image/jpeg", "rotated.jpg"),
      await uploadImage(token, transparent, "image/png", "transparent.png"),
      await uploadImage(token, animated, "image/gif", "animated.gif"),
    ];
    const [a, b, c] = (await Promise.all(
      images.map((i) => waitForStatus(token, i.id, ["ready", "failed"])),
    )) as Array<Record<string, unknown>> as [
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
    ];

    expect(a).toMatchObject({ status: "ready", width: 200, height: 400 });
    expect(b).toMatchObject({ status: "ready", analysis: { status: "done" } });
    expect((b.analysis as { tags: string[] }).tags).toContain("transparent");
    expect(c).toMatchObject({ status: "ready", width: 120, height: 90, format: "gif" });
    expect((c.analysis as { tags: string[] }).tags).toContain("animated");
    const preview = Buffer.from(await (await fetch((b.urls as { preview: string }).preview)).arrayBuffer());
    expect((await sharp(preview).metadata()).hasAlpha).toBe(true);
  });
});

describe("every supported kind of input", () => {
  const base = () => sharp({ create: { width: 400, height: 200, channels: 3, background: "#2a6" } });
  const fixtures: Array<[string, () => Promise<Buffer>, string, string, [number, number]]> = [
    ...[1, 2, 3, 4, 5, 6, 7, 8].map(
      (o): [string, () => Promise<Buffer>, string, string, [number, number]] => [
        `EXIF orientation ${o}`,
        () => base().jpeg().withMetadata({ orientation: o }).toBuffer(),
        "image/jpeg",
        "jpg",
        o >= 5 ? [200, 400] : [400, 200],
      ],
    ),
    ["a CMYK JPEG", () => base().jpeg().toColourspace("cmyk").toBuffer(), "image/jpeg", "jpg", [400, 200]],
    ["a 16-bit PNG", () => base().png().toColourspace("rgb16").toBuffer(), "image/png", "png", [400, 200]],
    [
      "an animated WebP",
      async () => {
        const frames = await Promise.all(
          ["#f00", "#00f"].map((c) =>
            sharp({ create: { width: 64, height: 48, channels: 3, background: c } })
              .png()
              .toBuffer(),
          ),
        );
        return sharp(frames, { join: { animated: true } })
          .webp()
          .toBuffer();
      },
      "image/webp",
      "webp",
      [64, 48],
    ],
  ];

  it("makes every one ready, oriented and sized right, in one burst of uploads", async () => {
    // Prepare
    const token = await tokenFor(`kinds-${Date.now()}`);
    const made = await Promise.all(fixtures.map(async ([, make]) => make()));

    // Act: all at once, so the worker gets them in shared batches.
    const images = await Promise.all(
      fixtures.map(([name, , type, ext], i) => uploadImage(token, made[i] as Buffer, type, `${name}.${ext}`)),
    );
    const done = await Promise.all(
      images.map((image) => waitForStatus(token, image.id, ["ready", "failed"], 90_000)),
    );

    // Assess
    done.forEach((image, i) => {
      const [name, , , , [width, height]] = fixtures[i] as (typeof fixtures)[number];
      expect(image, name).toMatchObject({ status: "ready", width, height, analysis: { status: "done" } });
      const preview = (image.thumbnails as { preview: { width: number; height: number } }).preview;
      expect([preview.width, preview.height], name).toEqual([width, height]);
    });
  });

  it("finishes good uploads that share a batch with a message that cannot be processed", async () => {
    const token = await tokenFor(`batch-${Date.now()}`);
    const o = outputs();
    await sqs().send(
      new SendMessageCommand({ QueueUrl: o.queue, MessageBody: "this is not a notification" }),
    );
    const bytes = await base().jpeg().toBuffer();
    const image = await uploadImage(token, bytes, "image/jpeg", "good.jpg");
    expect(await waitForStatus(token, image.id, ["ready", "failed"])).toMatchObject({ status: "ready" });
  });
});

describe("exactly once", () => {
  it("ignores a duplicate notification of an upload that is already processed", async () => {
    // Prepare
    const token = await tokenFor(`dup-${Date.now()}`);
    const bytes = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#789" } })
      .jpeg()
      .toBuffer();
    const image = await uploadImage(token, bytes, "image/jpeg", "dup.jpg");
    const first = await waitForStatus(token, image.id, ["ready", "failed"]);
    const o = outputs();
    const notification = {
      Records: [
        {
          eventName: "ObjectCreated:Put",
          s3: {
            bucket: { name: o.bucket },
            object: { key: originalKey(image, "jpg"), size: bytes.byteLength },
          },
        },
      ],
    };

    // Act: the same notification twice more, as S3 and SQS may deliver it.
    for (let i = 0; i < 2; i++) {
      await sqs().send(
        new SendMessageCommand({ QueueUrl: o.queue, MessageBody: JSON.stringify(notification) }),
      );
    }
    await new Promise((r) => setTimeout(r, 4000));

    // Assess
    const after = await api<Record<string, unknown>>("GET", `/images/${image.id}`, { token });
    expect(after.body.status).toBe("ready");
    expect(after.body.updatedAt).toBe(first.updatedAt);
  });
});
