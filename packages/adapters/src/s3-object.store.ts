/**
 * ObjectStore on S3: presigned uploads bound to type, size and a single write, presigned downloads,
 * reads and writes.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { ObjectStore, PresignedUpload } from "@picstack/core";

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Client for the store's own reads and writes. */
  s3: S3Client;
  /** Client that signs URLs for clients (its endpoint is the one they can reach). */
  presigner: S3Client;
  uploadTtlSeconds: number;
  downloadTtlSeconds: number;
}

/** S3 refuses presigned URLs valid for longer; the contract caps uploads at 15 minutes. */
export const MAX_UPLOAD_TTL_SECONDS = 15 * 60;

export class S3ObjectStore implements ObjectStore {
  constructor(private readonly options: S3ObjectStoreOptions) {
    if (options.uploadTtlSeconds > MAX_UPLOAD_TTL_SECONDS) {
      throw new Error(`Upload URLs may live at most ${MAX_UPLOAD_TTL_SECONDS} s`);
    }
  }

  async presignUpload(
    key: string,
    contentType: string,
    size: number,
    sha256?: string,
  ): Promise<PresignedUpload> {
    const { bucket, presigner, uploadTtlSeconds } = this.options;
    const checksum = sha256 ? Buffer.from(sha256, "hex").toString("base64") : undefined;
    const command = new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      ContentType: contentType,
      ContentLength: size,
      // A conditional write: storage refuses it (412) once an object exists under the key, so a URL can
      // never replace bytes the worker has already checked.
      IfNoneMatch: "*",
      ...(checksum ? { ChecksumSHA256: checksum } : {}),
    });
    // Content-Type, Content-Length and If-None-Match are signed headers: storage refuses an upload of
    // another type or size, or one without the condition, under this URL. With a declared digest,
    // `x-amz-checksum-sha256` is one too, and kept a header (the presigner would otherwise hoist an
    // `x-amz-*` header into the query string): storage that checks checksums refuses other bytes under
    // it (S3 and MiniStack answer 400 BadDigest, checked on MiniStack 1.5.33 in
    // test/e2e/duplicates.test.ts), and one sent without it fails the signature (403). The worker
    // compares the digest again whatever the storage did (`checksum_mismatch`).
    const signed = ["content-type", "content-length", "if-none-match"];
    const url = await getSignedUrl(presigner, command, {
      expiresIn: uploadTtlSeconds,
      signableHeaders: new Set(checksum ? [...signed, "x-amz-checksum-sha256"] : signed),
      ...(checksum ? { unhoistableHeaders: new Set(["x-amz-checksum-sha256"]) } : {}),
    });
    return {
      method: "PUT",
      url,
      // Browsers set Content-Length from the body themselves; it must equal the declared size.
      headers: {
        "Content-Type": contentType,
        "If-None-Match": "*",
        ...(checksum ? { "x-amz-checksum-sha256": checksum } : {}),
      },
      expiresAt: new Date(Date.now() + uploadTtlSeconds * 1000).toISOString(),
    };
  }

  presignDownload(key: string): Promise<string> {
    const { bucket, presigner, downloadTtlSeconds } = this.options;
    return getSignedUrl(presigner, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: downloadTtlSeconds,
    });
  }

  async getBytes(key: string): Promise<Uint8Array> {
    return (await this.read(key)).bytes;
  }

  async read(key: string): Promise<{ bytes: Uint8Array; etag: string }> {
    const result = await this.options.s3.send(
      new GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
    );
    if (!result.Body) throw new Error(`Object ${key} has no body`);
    if (!result.ETag) throw new Error(`Object ${key} has no ETag`);
    return { bytes: await result.Body.transformToByteArray(), etag: result.ETag };
  }

  async head(key: string): Promise<{ etag: string; size: number } | undefined> {
    try {
      const result = await this.options.s3.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }),
      );
      return { etag: result.ETag ?? "", size: result.ContentLength ?? 0 };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (error instanceof NotFound || status === 404) return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.options.s3.send(
      new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const result = await this.options.s3.send(
      new DeleteObjectsCommand({
        Bucket: this.options.bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    if (result.Errors?.length) {
      throw new Error(`Could not delete ${result.Errors.length} of ${keys.length} objects`);
    }
  }
}
