/**
 * A presigned upload is good for one object: once the bytes are stored (and checked), a second PUT
 * through the same, still valid URL is refused by storage, and the image keeps the bytes it was checked
 * with.
 */
import { createHash } from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { api, photoJpeg, tokenFor, waitForStatus } from "./helpers.js";

interface Created {
  image: { id: string };
  upload: { url: string; headers: Record<string, string> };
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Bytes of exactly `size` bytes that are a different picture than `photo`. */
async function otherPicture(size: number): Promise<Buffer> {
  const other = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#0f0" } })
    .jpeg()
    .toBuffer();
  // Padding after the JPEG's end marker keeps it decodable and makes the sizes equal.
  return Buffer.concat([other, Buffer.alloc(size - other.byteLength, 0)]);
}

describe("presigned upload used twice", () => {
  it("refuses a second PUT after the image is ready, and the original keeps the uploaded bytes", async () => {
    // Prepare
    const token = await tokenFor(`once-${Date.now()}`);
    const jpeg = await photoJpeg(800, 600);
    const created = await api<Created>("POST", "/images", {
      token,
      body: { filename: "once.jpg", contentType: "image/jpeg", size: jpeg.byteLength },
    });
    expect(created.body.upload.headers).toMatchObject({ "If-None-Match": "*" });
    const first = await fetch(created.body.upload.url, {
      method: "PUT",
      headers: created.body.upload.headers,
      body: jpeg,
    });
    expect(first.status).toBe(200);
    await waitForStatus(token, created.body.image.id, ["ready"]);
    const swap = await otherPicture(jpeg.byteLength);

    // Act
    const second = await fetch(created.body.upload.url, {
      method: "PUT",
      headers: created.body.upload.headers,
      body: swap,
    });
    const withoutCondition = await fetch(created.body.upload.url, {
      method: "PUT",
      headers: { "Content-Type": "image/jpeg" },
      body: swap,
    });

    // Assess
    expect(second.status).toBe(412);
    // The condition is signed: leaving it out breaks the signature.
    expect(withoutCondition.status).toBe(403);
    await new Promise((r) => setTimeout(r, 2000)); // a stored PUT would have been processed by now
    const image = await waitForStatus(token, created.body.image.id, ["ready", "failed"]);
    expect(image.status).toBe("ready");
    const original = await fetch((image.urls as { original: string }).original);
    expect(sha256(new Uint8Array(await original.arrayBuffer()))).toBe(sha256(jpeg));
  });
});
