/**
 * Checksums and duplicates on the local stack, as a client uses them: `POST /images` with `sha256`
 * binds the upload to those bytes and lists the caller's ready images with the same digest; the worker
 * stores the digest it checked (`checksum`), a perceptual hash and, with the fake embeddings server of
 * the e2e stack (test/fake-openai.ts), the analysis' embedding.
 *
 * Found on MiniStack 1.5.33: storage itself refuses other bytes under a presigned URL bound to a digest
 * (400 BadDigest, as S3 does), and a PUT without the signed checksum header fails the signature (403).
 * The worker's own comparison is tested too, with bytes written past the presigned URL.
 */
import { createHash } from "node:crypto";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { embeddingText, type ImageAnalysis } from "@picstack/core";
import { beforeAll, describe, expect, it } from "vitest";
import { fakeEmbedding } from "../fake-embeddings.js";
import { api, documents, expectError, outputs, photoJpeg, s3, tokenFor, waitForStatus } from "./helpers.js";

interface Created {
  image: { id: string; status: string };
  upload: { url: string; method: string; headers: Record<string, string> };
  duplicates: string[];
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const run = Date.now().toString(36);

async function create(token: string, bytes: Buffer, digest?: string) {
  return api<Created>("POST", "/images", {
    token,
    body: {
      filename: "photo.jpg",
      contentType: "image/jpeg",
      size: bytes.byteLength,
      ...(digest !== undefined ? { sha256: digest } : {}),
    },
  });
}

async function put(created: Created, bytes: Buffer, headers = created.upload.headers) {
  return fetch(created.upload.url, { method: "PUT", headers, body: bytes });
}

/** Creates with the file's digest, uploads, waits for the final state. */
async function uploaded(token: string, bytes: Buffer) {
  const created = await create(token, bytes, sha256(bytes));
  expect(created.status).toBe(201);
  expect((await put(created.body, bytes)).status).toBe(200);
  return {
    created: created.body,
    image: await waitForStatus(token, created.body.image.id, ["ready", "failed"]),
  };
}

async function storedRecord(id: string): Promise<Record<string, unknown>> {
  const result = await documents().send(
    new GetCommand({
      TableName: outputs().table,
      Key: { pk: `IMAGE#${id}`, sk: "IMAGE" },
      ConsistentRead: true,
    }),
  );
  return result.Item ?? {};
}

describe("POST /images with sha256", () => {
  let alice: string;
  let photo: Buffer;
  let first: { created: Created; image: Record<string, unknown> };

  beforeAll(async () => {
    alice = await tokenFor(`dups-alice-${run}`);
    photo = await photoJpeg(1200, 900);
    first = await uploaded(alice, photo);
  });

  it("processes the declared bytes: ready, with the digest as checksum, a perceptual hash and an embedding", async () => {
    // Assess
    expect(first.created.duplicates).toEqual([]);
    expect(first.created.upload.headers["x-amz-checksum-sha256"]).toBe(
      Buffer.from(sha256(photo), "hex").toString("base64"),
    );
    expect(first.image).toMatchObject({ status: "ready", checksum: { sha256: sha256(photo) } });
    expect(first.image).not.toHaveProperty("embedding");
    expect(first.image).not.toHaveProperty("phash");
    const record = await storedRecord(first.created.image.id);
    expect(record.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(record.declaredSha256).toBe(sha256(photo));
    // The embedding the fake server made of this analysis' text, stored as 256 little-endian Float32s.
    const embedding = record.embedding as { model: string; vector: Uint8Array };
    expect(embedding.model).toBe("text-embedding-3-small");
    expect(embedding.vector.byteLength).toBe(256 * 4);
    const view = new DataView(
      embedding.vector.buffer,
      embedding.vector.byteOffset,
      embedding.vector.byteLength,
    );
    const expected = fakeEmbedding(embeddingText(first.image.analysis as ImageAnalysis), 256);
    for (const i of [0, 1, 100, 255])
      expect(view.getFloat32(i * 4, true)).toBeCloseTo(expected[i] as number, 5);
  });

  it("lists the caller's image with the same digest, in any case of hex, and no other user's", async () => {
    // Prepare
    const bob = await tokenFor(`dups-bob-${run}`);
    // Act
    const again = await create(alice, photo, sha256(photo).toUpperCase());
    const theirs = await create(bob, photo, sha256(photo));
    const without = await create(alice, photo);
    // Assess
    expect(again.status).toBe(201);
    expect(again.body.duplicates).toEqual([first.created.image.id]);
    expect(theirs.body.duplicates).toEqual([]);
    expect(without.body.duplicates).toEqual([]);
    expect(without.body.upload.headers).not.toHaveProperty("x-amz-checksum-sha256");
    // The client skips the upload and drops the new record.
    expect((await api("DELETE", `/images/${again.body.image.id}`, { token: alice })).status).toBe(204);
  });

  it("does not list deleted images, and lists them again once restored", async () => {
    // Prepare
    const carol = await tokenFor(`dups-carol-${run}`);
    const bytes = await photoJpeg(640, 480);
    const kept = await uploaded(carol, bytes);
    const dropped = await uploaded(carol, bytes);
    expect(dropped.created.duplicates).toEqual([kept.created.image.id]);
    // Act
    expect((await api("DELETE", `/images/${dropped.created.image.id}`, { token: carol })).status).toBe(204);
    const afterDelete = await create(carol, bytes, sha256(bytes));
    await api("POST", `/images/${dropped.created.image.id}/restore`, { token: carol });
    const afterRestore = await create(carol, bytes, sha256(bytes));
    // Assess
    expect(afterDelete.body.duplicates).toEqual([kept.created.image.id]);
    expect(afterRestore.body.duplicates.sort()).toEqual(
      [kept.created.image.id, dropped.created.image.id].sort(),
    );
  });

  it("refuses a sha256 that is not 64 hex characters", async () => {
    for (const digest of ["ab".repeat(31), `${"ab".repeat(32)}a`, "zz".repeat(32), ""]) {
      expectError(await create(alice, photo, digest), 400, "validation_error");
    }
    const numeric = await api("POST", "/images", {
      token: alice,
      body: { filename: "a.jpg", contentType: "image/jpeg", size: 10, sha256: 1234 },
    });
    expectError(numeric, 400, "validation_error");
  });
});

describe("bytes other than declared", () => {
  let token: string;
  let declared: Buffer;
  let other: Buffer;

  beforeAll(async () => {
    token = await tokenFor(`dups-mismatch-${run}`);
    declared = await photoJpeg(800, 600);
    // The same length, other bytes: only the digest tells them apart.
    other = Buffer.from(declared);
    other[other.length - 3] = (other[other.length - 3] ?? 0) ^ 0xff;
  });

  it("are refused by storage under the presigned URL (400 BadDigest), and a PUT without the checksum header fails its signature", async () => {
    // Prepare
    const created = (await create(token, declared, sha256(declared))).body;
    const { "x-amz-checksum-sha256": _checksum, ...withoutChecksum } = created.upload.headers;
    // Act
    const mismatch = await put(created, other);
    const unsigned = await put(created, declared, withoutChecksum);
    // Assess
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toMatch(/BadDigest/);
    expect(unsigned.status).toBe(403);
    const stored = await s3()
      .send(new HeadObjectCommand({ Bucket: outputs().bucket, Key: await originalKey(created.image.id) }))
      .catch(() => undefined);
    expect(stored).toBeUndefined();
  });

  it("that reach the bucket some other way end failed checksum_mismatch, and their bytes are removed", async () => {
    // Prepare
    const created = (await create(token, declared, sha256(declared))).body;
    const key = await originalKey(created.image.id);
    // Act: written past the presigned URL, as storage that checks no checksum would let them.
    await s3().send(
      new PutObjectCommand({ Bucket: outputs().bucket, Key: key, Body: other, ContentType: "image/jpeg" }),
    );
    const image = await waitForStatus(token, created.image.id, ["ready", "failed"]);
    // Assess
    expect(image).toMatchObject({
      status: "failed",
      error: { code: "checksum_mismatch", message: expect.stringMatching(/SHA-256/) },
    });
    expect(image).not.toHaveProperty("checksum");
    const stored = await s3()
      .send(new HeadObjectCommand({ Bucket: outputs().bucket, Key: key }))
      .catch(() => undefined);
    expect(stored).toBeUndefined();
  });
});

async function originalKey(id: string): Promise<string> {
  const key = (await storedRecord(id)).originalKey;
  if (typeof key !== "string") throw new Error(`no record for ${id}`);
  return key;
}
