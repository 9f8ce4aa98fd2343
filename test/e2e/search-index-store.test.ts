/**
 * The per-user search index against the emulator's real table and bucket (docs/search.md): every
 * repository transition leaves the pending change search needs, in the same write; a read sees pending
 * changes at once, over a cached snapshot too; a compaction folds them into a new snapshot; two
 * compactions racing lose nothing and leave one snapshot; a change made during a compaction stays
 * pending and is folded next time; and a purge leaves nothing of the image once compacted.
 */
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type CompactionResult, SearchIndexStore } from "@picstack/adapters";
import { DynamoImageRepository } from "@picstack/adapters/dynamodb";
import { type ImageRecord, SearchIndex } from "@picstack/core";
import { describe, expect, it } from "vitest";
import { libraryRecords, seedLibrary } from "../library.js";
import { documents, outputs, s3 } from "./helpers.js";

const engines = { empty: () => SearchIndex.empty(), load: (snapshot: unknown) => SearchIndex.load(snapshot) };
const storeOn = (db: DynamoDBDocumentClient = documents()) =>
  new SearchIndexStore({ db, s3: s3(), tableName: outputs().table, bucket: outputs().bucket, engines });
const repository = () => new DynamoImageRepository(documents(), outputs().table);
const run = Date.now().toString(36);
let users = 0;
const newUser = () => `idx-${run}-${users++}`;
const ready = (userId: string, count: number, note?: (i: number) => string) =>
  libraryRecords(userId, count, { status: () => "ready" }).map((r, i) =>
    note ? { ...r, note: note(i) } : r,
  );

async function snapshotKeys(userId: string): Promise<string[]> {
  const listed = await s3().send(
    new ListObjectsV2Command({ Bucket: outputs().bucket, Prefix: `search/${userId}/` }),
  );
  return (listed.Contents ?? []).map((o) => o.Key as string);
}

/**
 * A document client whose first call matching `when` waits for `release` (after telling `reached`):
 * a compaction held at one step while the test does something else.
 */
function heldAt(when: (command: unknown) => boolean) {
  const real = documents();
  let reached!: () => void;
  let release!: () => void;
  const atStep = new Promise<void>((r) => {
    reached = r;
  });
  const released = new Promise<void>((r) => {
    release = r;
  });
  let held = false;
  const db = {
    send: async (command: unknown) => {
      if (!held && when(command)) {
        held = true;
        reached();
        await released;
      }
      return real.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, atStep, release };
}

describe("the repository keeps the search index current, in the same write", () => {
  it("indexes an image once ready, follows note edits, delete, restore, purge and a replaced original", async () => {
    // Prepare
    const userId = newUser();
    const images = repository();
    const store = storeOn();
    const [pending] = libraryRecords(userId, 1, { status: () => "pending" }) as [ImageRecord];
    await images.create(pending);
    const now = () => new Date().toISOString();
    const claimed = (await images.claimForProcessing(
      pending,
      now(),
      "2099-01-01T00:00:00.000Z",
    )) as ImageRecord;
    const doc = async () => (await store.index(userId)).engine.get(pending.id);

    // Act / Assess: pending and processing images are not searched.
    expect(await doc()).toBeUndefined();
    await images.markReady(claimed, now(), {
      width: 4,
      height: 3,
      format: "jpeg",
      thumbnails: {
        thumb: { key: "thumbnails/t.webp", width: 4, height: 3 },
        preview: { key: "thumbnails/p.webp", width: 4, height: 3 },
      },
      originalEtag: '"e"',
      checksum: { sha256: "a".repeat(64) },
    });
    expect((await doc())?.filename).toBe(pending.filename);

    const readyRecord = (await images.get(pending.id)) as ImageRecord;
    const edited = await images.updateDetails(readyRecord, now(), { note: "lighthouse at dawn" });
    expect((await doc())?.note).toBe("lighthouse at dawn");

    await images.softDelete(edited, now());
    expect(await doc()).toBeUndefined();

    const deleted = (await images.get(pending.id)) as ImageRecord;
    const restored = await images.restore(deleted, now());
    expect((await doc())?.note).toBe("lighthouse at dawn");

    expect(await images.markOriginalReplaced(restored, now(), '"e"', { code: "x", message: "y" })).toBe(true);
    expect(await doc()).toBeUndefined();

    const failed = (await images.get(pending.id)) as ImageRecord;
    await images.softDelete(failed, now());
    await images.purge((await images.get(pending.id)) as ImageRecord);
    const state = await store.state(userId);
    expect(state.pending.map((p) => [p.imageId, p.doc])).toEqual([[pending.id, undefined]]);
  });

  it("refuses a ready-mark that would index a record changed since it was read, then indexes the fresh one", async () => {
    // Prepare: a note edited while the image is processing.
    const userId = newUser();
    const images = repository();
    const [pending] = libraryRecords(userId, 1, { status: () => "pending" }) as [ImageRecord];
    await images.create(pending);
    const claimed = (await images.claimForProcessing(
      pending,
      new Date().toISOString(),
      "2099-01-01T00:00:00.000Z",
    )) as ImageRecord;
    await new Promise((r) => setTimeout(r, 5));
    await images.updateDetails(claimed, new Date().toISOString(), { note: "edited while processing" });

    // Act
    await images.markReady(claimed, new Date().toISOString(), {
      width: 4,
      height: 3,
      format: "jpeg",
      thumbnails: {
        thumb: { key: "thumbnails/t.webp", width: 4, height: 3 },
        preview: { key: "thumbnails/p.webp", width: 4, height: 3 },
      },
      originalEtag: '"e"',
      checksum: { sha256: "a".repeat(64) },
    });

    // Assess
    expect((await images.get(pending.id))?.status).toBe("ready");
    expect((await storeOn().index(userId)).engine.get(pending.id)?.note).toBe("edited while processing");
  });
});

describe("compaction", () => {
  it("folds pending changes into one snapshot that a fresh reader loads, and skips a few unless forced", async () => {
    // Prepare
    const userId = newUser();
    const records = ready(userId, 30);
    await seedLibrary(repository(), records);
    const store = storeOn();

    // Act
    const skipped = await store.compact(userId, { minPending: 50 });
    const compacted = await store.compact(userId, { minPending: 50, force: true });
    const fresh = await storeOn().index(userId);
    const state = await store.state(userId);

    // Assess
    expect(skipped).toEqual({ outcome: "skipped", pending: 30 });
    expect(compacted).toMatchObject({ outcome: "compacted", generation: 1, applied: 30, kept: 0, docs: 30 });
    expect(state.pending).toEqual([]);
    expect(state.meta).toMatchObject({ generation: 1, docs: 30 });
    expect(await snapshotKeys(userId)).toEqual([state.meta?.snapshotKey]);
    expect(fresh.engine.size).toBe(30);
    expect(fresh.pending).toBe(0);
    for (const r of records) expect(fresh.engine.get(r.id)?.filename).toBe(r.filename);
  });

  it("loses nothing when two compactions race: one wins, the other removes what it wrote", async () => {
    // Prepare: a first snapshot, then more changes; compactor A is held just before it moves META.
    const userId = newUser();
    const first = ready(userId, 10);
    await seedLibrary(repository(), first);
    await storeOn().compact(userId, { force: true });
    const more = libraryRecords(userId, 20, { status: () => "ready" }).slice(10);
    await seedLibrary(repository(), more);
    const a = heldAt((c) => c instanceof UpdateCommand);

    // Act
    const racing: Promise<CompactionResult> = storeOn(a.db).compact(userId, { force: true });
    await a.atStep;
    const winner = await storeOn().compact(userId, { force: true });
    a.release();
    const loser = await racing;

    // Assess
    expect(winner).toMatchObject({ outcome: "compacted", generation: 2, docs: 20 });
    expect(loser).toEqual({ outcome: "lost" });
    const state = await storeOn().state(userId);
    expect(state.meta?.generation).toBe(2);
    expect(await snapshotKeys(userId)).toEqual([state.meta?.snapshotKey]);
    const index = await storeOn().index(userId);
    expect(index.engine.size).toBe(20);
    for (const r of [...first, ...more]) expect(index.engine.get(r.id), r.id).toBeDefined();
  });

  it("keeps a change made during a compaction pending, visible at once, and folds it next time", async () => {
    // Prepare: a compactor held after it read the changes, before it moves META and drops them.
    const userId = newUser();
    const images = repository();
    const records = ready(userId, 5, (i) => `harbour ${i}`);
    await seedLibrary(images, records);
    const target = records[2] as ImageRecord;
    const held = heldAt((c) => c instanceof UpdateCommand);
    const reader = storeOn();
    await reader.index(userId);

    // Act
    const compaction = storeOn(held.db).compact(userId, { force: true });
    await held.atStep;
    await images.updateDetails((await images.get(target.id)) as ImageRecord, new Date().toISOString(), {
      note: "lighthouse",
    });
    held.release();
    const first = await compaction;
    const between = await storeOn().state(userId);
    const seen = await reader.index(userId);
    const second = await storeOn().compact(userId, { force: true });

    // Assess
    expect(first).toMatchObject({ outcome: "compacted", applied: 4, kept: 1 });
    expect(between.pending.map((p) => [p.imageId, p.doc?.note])).toEqual([[target.id, "lighthouse"]]);
    expect(seen.engine.get(target.id)?.note).toBe("lighthouse");
    expect(second).toMatchObject({ outcome: "compacted", applied: 1, kept: 0 });
    expect((await storeOn().index(userId)).engine.get(target.id)?.note).toBe("lighthouse");
    expect((await storeOn().state(userId)).pending).toEqual([]);
  });

  it("leaves nothing of purged images once compacted: no document, no pending change, no empty snapshot", async () => {
    // Prepare
    const userId = newUser();
    const images = repository();
    const records = ready(userId, 3);
    await seedLibrary(images, records);
    await storeOn().compact(userId, { force: true });

    // Act: purge one, compact; then purge the rest, compact.
    const purge = async (record: ImageRecord) => {
      await images.softDelete((await images.get(record.id)) as ImageRecord, new Date().toISOString());
      await images.purge((await images.get(record.id)) as ImageRecord);
    };
    await purge(records[0] as ImageRecord);
    await storeOn().compact(userId, { force: true });
    const afterOne = await storeOn().state(userId);
    const [key] = await snapshotKeys(userId);
    const snapshot = await s3().send(new GetObjectCommand({ Bucket: outputs().bucket, Key: key }));
    const snapshotBytes = await snapshot.Body?.transformToByteArray();
    await purge(records[1] as ImageRecord);
    await purge(records[2] as ImageRecord);
    await storeOn().compact(userId, { force: true });
    const afterAll = await storeOn().state(userId);

    // Assess
    expect(afterOne.pending).toEqual([]);
    expect(afterOne.meta?.docs).toBe(2);
    expect(gunzipSync(snapshotBytes as Uint8Array).toString("utf8")).not.toContain(records[0]?.id);
    expect(gunzipSync(snapshotBytes as Uint8Array).toString("utf8")).toContain(records[1]?.id);
    expect(afterAll.pending).toEqual([]);
    expect(afterAll.meta).toEqual({ generation: 3, docs: 0 });
    expect(await snapshotKeys(userId)).toEqual([]);
    expect((await storeOn().index(userId)).engine.size).toBe(0);
  });
});
