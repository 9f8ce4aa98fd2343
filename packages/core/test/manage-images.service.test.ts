/**
 * Managing images on in-memory ports: edits, deletes and restores that race the worker, the purge of
 * deleted images, and asking for an analysis again.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  AnalysisPendingError,
  ConflictError,
  type DetailChanges,
  deleteImage,
  ImageNotDeletedError,
  ImageNotReadyError,
  type ImageRecord,
  type ProcessUploadDeps,
  processUpload,
  purgeDeleted,
  RestoreWindowClosedError,
  requestImageAnalysis,
  restoreImage,
  runRequestedAnalysis,
  updateImage,
} from "../src/index.js";
import {
  FakeAnalysisProvider,
  FakeImageProcessor,
  fakeImage,
  fakeWorkerDeps,
  type fixedClock,
  InMemoryImageRepository,
  type InMemoryObjectStore,
  uploadedImage,
} from "./fakes.js";

const RETENTION_DAYS = 7;

/**
 * A worker that merges AI tags right after each of the first `races` reads, so the user's write, which
 * is conditional on the tags as read, meets changed tags; and a count of the writes tried.
 */
class RacingRepository extends InMemoryImageRepository {
  races = 0;
  writes = 0;
  override async get(id: string): Promise<ImageRecord | undefined> {
    const read = await super.get(id);
    const stored = this.records.get(id);
    if (stored && this.races > 0) {
      this.races--;
      stored.tags = [...stored.tags, `ai-${this.races}`];
    }
    return read;
  }
  override async softDelete(record: ImageRecord, now: string): Promise<void> {
    this.writes++;
    return super.softDelete(record, now);
  }
  override async updateDetails(record: ImageRecord, now: string, changes: DetailChanges) {
    this.writes++;
    return super.updateDetails(record, now, changes);
  }
  override async restore(record: ImageRecord, now: string): Promise<ImageRecord> {
    this.writes++;
    return super.restore(record, now);
  }
}

let images: RacingRepository;
let objects: InMemoryObjectStore;
let clock: ReturnType<typeof fixedClock>;
let deps: ProcessUploadDeps & { retentionDays: number };

beforeEach(() => {
  const fakes = fakeWorkerDeps(new RacingRepository());
  ({ images, objects, clock } = fakes);
  deps = { ...fakes, retentionDays: RETENTION_DAYS };
});

/** A processed image of alice's. */
async function readyImage() {
  const upload = await uploadedImage(deps, fakeImage());
  await processUpload(deps, { key: upload.key });
  return upload;
}

describe("a user's write racing the worker", () => {
  it("deletes, edits and restores an image whose tags the worker changed between read and write", async () => {
    // Prepare
    const { id } = await uploadedImage(deps, fakeImage());
    // Act / Assess: each write meets changed tags once, reads again and lands.
    images.races = 1;
    const edited = await updateImage(deps, "alice", id, { tags: ["mine"] });
    expect(edited.tags).toEqual(["mine"]);
    images.races = 1;
    await deleteImage(deps, "alice", id);
    expect((await images.get(id))?.deletedAt).toBeDefined();
    images.races = 1;
    await restoreImage(deps, "alice", id);
    expect((await images.get(id))?.deletedAt).toBeUndefined();
    expect(images.writes).toBe(6);
  });

  it("answers a conflict when the record keeps changing, after a bounded number of tries", async () => {
    // Prepare
    const { id } = await uploadedImage(deps, fakeImage());
    images.races = 100;
    images.writes = 0;
    // Act
    const result = deleteImage(deps, "alice", id);
    // Assess
    await expect(result).rejects.toBeInstanceOf(ConflictError);
    expect(images.writes).toBe(3);
    expect((await images.get(id))?.deletedAt).toBeUndefined();
  });
});

describe("restoreImage", () => {
  it("restores within the retention period and refuses after it", async () => {
    // Prepare
    const kept = await uploadedImage(deps, fakeImage());
    const late = await uploadedImage(deps, fakeImage());
    await deleteImage(deps, "alice", late.id);
    clock.advance(RETENTION_DAYS * 86_400 - 1);
    await deleteImage(deps, "alice", kept.id);
    clock.advance(2);
    // Act
    const restored = await restoreImage(deps, "alice", kept.id);
    const refused = restoreImage(deps, "alice", late.id);
    // Assess
    expect(restored.id).toBe(kept.id);
    await expect(refused).rejects.toBeInstanceOf(RestoreWindowClosedError);
    expect((await images.get(late.id))?.deletedAt).toBeDefined();
  });

  it("refuses an image that is not deleted", async () => {
    // Prepare
    const { id } = await uploadedImage(deps, fakeImage());
    // Act / Assess
    await expect(restoreImage(deps, "alice", id)).rejects.toBeInstanceOf(ImageNotDeletedError);
  });
});

describe("purgeDeleted", () => {
  it("removes record, original and thumbnails after the retention period, and nothing before", async () => {
    // Prepare: two processed images, both deleted; one of them 8 days ago.
    const old = await readyImage();
    const recent = await readyImage();
    await deleteImage(deps, "alice", old.id);
    clock.advance(8 * 86_400);
    await deleteImage(deps, "alice", recent.id);
    const oldThumbs = Object.values((await images.get(old.id))?.thumbnails ?? {}).map((t) => t.key);
    expect(oldThumbs).toHaveLength(2);
    // Act
    const result = await purgeDeleted(deps);
    // Assess
    expect(result.purged).toEqual([old.id]);
    expect(await images.get(old.id)).toBeUndefined();
    for (const key of [old.key, ...oldThumbs]) expect(objects.objects.has(key), key).toBe(false);
    expect(await images.get(recent.id)).toBeDefined();
    expect(objects.objects.has(recent.key)).toBe(true);
  });
});

describe("requestImageAnalysis", () => {
  it("answers analysis_pending while an analysis is queued, so repeats queue nothing", async () => {
    // Prepare
    const queued: string[] = [];
    const manage = {
      ...deps,
      analysisQueue: { requestAnalysis: async (id: string) => void queued.push(id) },
    };
    const { id } = await readyImage();
    // Act
    await requestImageAnalysis(manage, "alice", id);
    const again = requestImageAnalysis(manage, "alice", id);
    // Assess
    await expect(again).rejects.toBeInstanceOf(AnalysisPendingError);
    await expect(again).rejects.toMatchObject({ code: "analysis_pending" });
    expect(queued).toEqual([id]);
    await runRequestedAnalysis(deps, id);
    await requestImageAnalysis(manage, "alice", id);
    expect(queued).toEqual([id, id]);
  });

  it("refuses an image that is not ready yet, and queues nothing", async () => {
    // Prepare
    const queued: string[] = [];
    const manage = {
      ...deps,
      analysisQueue: { requestAnalysis: async (id: string) => void queued.push(id) },
    };
    const { id } = await uploadedImage(deps, fakeImage());
    // Act
    const result = requestImageAnalysis(manage, "alice", id);
    // Assess
    await expect(result).rejects.toBeInstanceOf(ImageNotReadyError);
    expect(queued).toEqual([]);
  });
});
