/** In-memory implementations of the core's ports, with the same conditional semantics as the adapters. */
import {
  type Clock,
  ConflictError,
  type ImageRecord,
  type ImageRepository,
  type ObjectStore,
  type PresignedUpload,
  type ProcessedImage,
} from "../src/index.js";

export class InMemoryImageRepository implements ImageRepository {
  readonly records = new Map<string, ImageRecord>();

  async create(record: ImageRecord): Promise<void> {
    if (this.records.has(record.id)) throw new ConflictError("exists");
    this.records.set(record.id, structuredClone(record));
  }

  async get(id: string): Promise<ImageRecord | undefined> {
    const record = this.records.get(id);
    return record ? structuredClone(record) : undefined;
  }

  async claimForProcessing(id: string, now: string, leaseUntil: string): Promise<ImageRecord | undefined> {
    const record = this.records.get(id);
    if (!record) return undefined;
    const expired = record.status === "processing" && (record.leaseUntil ?? "") < now;
    if (record.status !== "pending" && !expired) return undefined;
    Object.assign(record, { status: "processing", leaseUntil, updatedAt: now });
    return structuredClone(record);
  }

  async markReady(id: string, now: string, result: ProcessedImage): Promise<void> {
    const record = this.processing(id);
    Object.assign(record, { ...result, status: "ready", updatedAt: now });
    delete record.leaseUntil;
  }

  async markFailed(id: string, now: string, error: { code: string; message: string }): Promise<void> {
    const record = this.processing(id);
    Object.assign(record, { status: "failed", updatedAt: now, error });
    delete record.leaseUntil;
  }

  private processing(id: string): ImageRecord {
    const record = this.records.get(id);
    if (!record || record.status !== "processing") throw new ConflictError(`${id} is not processing`);
    return record;
  }
}

export class InMemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { body: Uint8Array; contentType: string }>();
  readonly presigned: Array<{ key: string; contentType: string; size: number }> = [];
  /** Set to make the next reads fail like a storage outage. */
  failReads = 0;

  async presignUpload(key: string, contentType: string, size: number): Promise<PresignedUpload> {
    this.presigned.push({ key, contentType, size });
    return {
      method: "PUT",
      url: `https://storage.test/${key}?signed`,
      headers: { "Content-Type": contentType },
      expiresAt: "2030-01-01T00:10:00.000Z",
    };
  }

  async presignDownload(key: string): Promise<string> {
    return `https://storage.test/${key}?get`;
  }

  async getBytes(key: string): Promise<Uint8Array> {
    if (this.failReads > 0) {
      this.failReads--;
      throw new Error("storage unavailable");
    }
    const object = this.objects.get(key);
    if (!object) throw new Error(`no object ${key}`);
    return object.body;
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    this.objects.set(key, { body, contentType });
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }
}

export function fixedClock(iso = "2026-03-04T05:06:07.000Z"): Clock & { advance(seconds: number): void } {
  let now = new Date(iso);
  return {
    now: () => new Date(now),
    advance(seconds: number) {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };
}
