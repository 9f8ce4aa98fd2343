/**
 * The DynamoDB image repository against the emulator's real table: listing a 5,000-image library with
 * every filter does bounded work per request and reaches each matching image exactly once; keys of two
 * users can never meet; a deleted image keeps no tag items; a purge leaves nothing of the image behind;
 * records from before the status index get its keys from the backfill; and every conditional write
 * refuses the states it must refuse.
 */
import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoImageRepository, LIST_MAX_CALLS, LIST_READ_BUDGET } from "@picstack/adapters/dynamodb";
import {
  ConflictError,
  type ImageRecord,
  InvalidCursorError,
  type ListQuery,
  newImageId,
} from "@picstack/core";
import { emulatorClientConfig } from "@picstack/local";
import { beforeAll, describe, expect, it } from "vitest";
import {
  countingDocuments,
  LIBRARY_START,
  LIBRARY_STEP_MS,
  libraryRecords,
  seedLibrary,
} from "../library.js";
import { outputs } from "./helpers.js";

/** What one list request may cost at most: 8 growing index pages and their records, no throttling. */
const MAX_CALLS = LIST_MAX_CALLS;
const MAX_ITEMS_READ = 2 * LIST_READ_BUDGET;

const counted = () => countingDocuments(emulatorClientConfig(outputs().endpoint));
const repositoryOn = (documents: ReturnType<typeof counted>["documents"]) =>
  new DynamoImageRepository(documents, outputs().table);

async function partition(id: string): Promise<string[]> {
  const result = await counted().documents.send(
    new QueryCommand({
      TableName: outputs().table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `IMAGE#${id}` },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((i) => i.sk as string).sort();
}

describe("listing a 5,000-image library", () => {
  const run = Date.now().toString(36);
  const userId = `scale-${run}`;
  const records = libraryRecords(userId, 5000);
  const deleted = new Set<string>();
  const counter = counted();
  const repository = repositoryOn(counter.documents);
  let visible: ImageRecord[] = [];

  beforeAll(async () => {
    const started = Date.now();
    await seedLibrary(repository, records);
    // Deleted images must appear under no filter.
    for (const record of records.filter((_, i) => i % 97 === 5)) {
      await repository.softDelete(record, new Date().toISOString());
      deleted.add(record.id);
    }
    visible = records.filter((r) => !deleted.has(r.id));
    console.log(`seeded ${records.length} images in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 600_000);

  const at = (i: number) => new Date(LIBRARY_START + i * LIBRARY_STEP_MS).toISOString();
  // Each request costs the emulator time in proportion to the index partition it reads (it sorts the
  // whole partition per query), so the small limits run where there are fewer pages.
  type Run = [limit: number, order: "asc" | "desc"];
  const both = (limit: number): Run[] => [
    [limit, "desc"],
    [limit, "asc"],
  ];
  const cases: Array<{ name: string; query: Omit<ListQuery, "userId" | "limit" | "order">; runs: Run[] }> = [
    { name: "no filter", query: {}, runs: both(100) },
    { name: "from/to", query: { from: at(1200), to: at(2999) }, runs: both(100) },
    { name: "status ready", query: { status: "ready" }, runs: [[100, "desc"]] },
    { name: "status pending (5 %)", query: { status: "pending" }, runs: [...both(100), [7, "desc"]] },
    {
      name: "status failed with from/to",
      query: { status: "failed", from: at(1000), to: at(3999) },
      runs: [[100, "asc"]],
    },
    { name: "tag common (a third)", query: { tag: "common" }, runs: both(100) },
    {
      name: "tag rare (2 %)",
      query: { tag: "rare" },
      runs: [
        [1, "desc"],
        [100, "asc"],
      ],
    },
    { name: "tag with from/to", query: { tag: "common", from: at(500), to: at(1499) }, runs: both(100) },
    {
      name: "tag and status, few match",
      query: { tag: "common", status: "pending" },
      runs: [...both(100), [7, "desc"]],
    },
    { name: "tag and status, most match", query: { tag: "common", status: "ready" }, runs: both(100) },
    { name: "tag and status, one at a time", query: { tag: "rare", status: "ready" }, runs: [[1, "asc"]] },
    {
      name: "tag, status and from/to",
      query: { tag: "common", status: "failed", from: at(1000), to: at(3999) },
      runs: [[7, "desc"]],
    },
    { name: "tag and status, none match", query: { tag: "rare", status: "processing" }, runs: both(100) },
    { name: "a tag nobody has", query: { tag: "absent" }, runs: [[100, "desc"]] },
    {
      name: "a status with a range matching nothing",
      query: { status: "ready", from: at(6000) },
      runs: [[7, "asc"]],
    },
  ];

  for (const c of cases) {
    for (const [limit, order] of c.runs) {
      it(`${c.name}, limit ${limit}, ${order}: bounded per request, every match exactly once, in order`, async () => {
        const q = c.query;
        const expected = visible
          .filter((r) => !q.tag || r.tags.includes(q.tag))
          .filter((r) => !q.status || r.status === q.status)
          .filter((r) => (!q.from || r.createdAt >= q.from) && (!q.to || r.createdAt <= q.to))
          .map((r) => r.id);
        if (order === "desc") expected.reverse();

        const seen: string[] = [];
        let after: ListQuery["after"];
        let requests = 0;
        let worst = { calls: 0, itemsRead: 0 };
        do {
          counter.reset();
          const page = await repository.list({ userId, limit, order, ...q, ...(after ? { after } : {}) });
          const calls = counter.calls();
          requests++;
          expect(page.items.length).toBeLessThanOrEqual(limit);
          worst = {
            calls: Math.max(worst.calls, calls),
            itemsRead: Math.max(worst.itemsRead, page.stats?.itemsRead ?? 0),
          };
          seen.push(...page.items.map((r) => r.id));
          after = page.next;
          expect(requests).toBeLessThan(5000);
        } while (after);

        expect(worst.calls).toBeLessThanOrEqual(MAX_CALLS);
        expect(worst.itemsRead).toBeLessThanOrEqual(MAX_ITEMS_READ);
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual(expected);
      });
    }
  }

  it("reports what each page cost, as the DynamoDB client counted it", async () => {
    for (const query of [
      {},
      { status: "failed" as const },
      { tag: "common" },
      { tag: "common", status: "pending" as const },
    ]) {
      counter.reset();
      const page = await repository.list({ userId, limit: 100, order: "desc", ...query });
      expect(page.stats?.calls).toBe(counter.calls());
      expect(page.stats?.itemsRead).toBeGreaterThanOrEqual(page.items.length);
    }
  });

  it("refuses a page key of another index as an invalid cursor", async () => {
    // A cursor signed before the status index existed holds a user-index key.
    const page = await repository.list({ userId, limit: 5, order: "desc" });
    expect(page.next).toHaveProperty("gsi1sk");
    await expect(
      repository.list({
        userId,
        limit: 5,
        order: "desc",
        status: "ready",
        ...(page.next ? { after: page.next } : {}),
      }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it("keeps the status index in step with every status change, delete and restore", async () => {
    const mover = `${userId}-moves`;
    const [pending] = libraryRecords(mover, 1, { status: () => "pending", tags: () => ["moves"] }).map(
      (r) => ({
        ...r,
        createdAt: at(-10),
      }),
    );
    const record = pending as ImageRecord;
    await repository.create(record);
    const ids = async (status: ImageRecord["status"]) =>
      (await repository.list({ userId: mover, limit: 100, order: "asc", status })).items.map((r) => r.id);
    expect(await ids("pending")).toEqual([record.id]);

    const now = new Date().toISOString();
    await repository.claimForProcessing(record, now, "2099-01-01T00:00:00.000Z");
    expect(await ids("pending")).toEqual([]);
    expect(await ids("processing")).toEqual([record.id]);

    await repository.markReady(record, now, {
      width: 4,
      height: 3,
      format: "jpeg",
      thumbnails: { thumb: { key: "t", width: 4, height: 3 }, preview: { key: "p", width: 4, height: 3 } },
      originalEtag: '"0123456789abcdef0123456789abcdef"',
      checksum: { sha256: "ab".repeat(32) },
    });
    expect(await ids("processing")).toEqual([]);
    expect(await ids("ready")).toEqual([record.id]);

    const ready = (await repository.get(record.id)) as ImageRecord;
    await repository.softDelete(ready, now);
    expect(await ids("ready")).toEqual([]);
    const gone = (await repository.get(record.id)) as ImageRecord;
    await repository.restore(gone, new Date().toISOString());
    expect(await ids("ready")).toEqual([record.id]);

    // A replaced original fails the ready image: it moves to the failed entries with it.
    const replaced = await repository.markOriginalReplaced(
      record,
      new Date().toISOString(),
      '"0123456789abcdef0123456789abcdef"',
      { code: "original_replaced", message: "replaced" },
    );
    expect(replaced).toBe(true);
    expect(await ids("ready")).toEqual([]);
    expect(await ids("failed")).toEqual([record.id]);
  });

  it("moves an abandoned image from processing to failed in the status index", async () => {
    const abandoner = `abandon${Date.now().toString(36)}`;
    const repository = repositoryOn(counted().documents);
    const [record] = libraryRecords(abandoner, 1, { status: () => "pending" }) as [ImageRecord];
    await repository.create(record);
    const ids = async (status: ImageRecord["status"]) =>
      (await repository.list({ userId: abandoner, limit: 100, order: "asc", status })).items.map((r) => r.id);
    // A lease that has already run out: its worker is gone.
    await repository.claimForProcessing(record, new Date().toISOString(), "2000-01-01T00:00:00.000Z");
    expect(await ids("processing")).toEqual([record.id]);
    const marked = await repository.markAbandoned(record, new Date().toISOString(), {
      code: "retries_exhausted",
      message: "gone",
    });
    expect(marked).toBe(true);
    expect(await ids("processing")).toEqual([]);
    expect(await ids("failed")).toEqual([record.id]);
  });
});

describe("keys of different users", () => {
  it("refuses a user id that holds the key separator", async () => {
    const repository = repositoryOn(counted().documents);
    const [record] = libraryRecords("alice#x", 1, { tags: () => ["cats"] });
    await expect(repository.create(record as ImageRecord)).rejects.toThrow(/must not contain '#'/);
    await expect(repository.list({ userId: "alice#x", limit: 10, order: "desc" })).rejects.toThrow(
      /must not contain '#'/,
    );
  });

  it("never lists another user's image, even from an entry an older layout wrote", async () => {
    const run = Date.now().toString(36);
    const alice = `alice${run}`;
    const repository = repositoryOn(counted().documents);
    // `alice…#x`'s image tagged `cats` as the old layout stored it: its tag entry has the key
    // `alice…#x#cats`, which is also what `alice…` listing the tag `x#cats` asks for.
    const [other] = libraryRecords(`${alice}#x`, 1, { tags: () => ["cats"] }) as [ImageRecord];
    const documents = counted().documents;
    await documents.send(
      new PutCommand({
        TableName: outputs().table,
        Item: {
          pk: `IMAGE#${other.id}`,
          sk: "IMAGE",
          gsi1pk: `USER#${other.userId}`,
          gsi1sk: `${other.createdAt}#${other.id}`,
          ...other,
        },
      }),
    );
    await documents.send(
      new PutCommand({
        TableName: outputs().table,
        Item: {
          pk: `IMAGE#${other.id}`,
          sk: "TAG#cats",
          gsi2pk: `${other.userId}#cats`,
          gsi2sk: `${other.createdAt}#${other.id}`,
          imageId: other.id,
        },
      }),
    );
    const [own] = libraryRecords(alice, 1, { tags: () => ["x#cats"] }) as [ImageRecord];
    await repository.create({ ...own, createdAt: new Date(Date.parse(own.createdAt) + 1000).toISOString() });

    const page = await repository.list({ userId: alice, tag: "x#cats", limit: 10, order: "desc" });

    expect(page.items.map((r) => r.userId)).toEqual([alice]);
    expect(page.items.map((r) => r.id)).toEqual([own.id]);
    expect(page.stats?.foreign).toBe(1);
  });
});

describe("what a deleted image leaves behind", () => {
  it("writes no tag items when the analysis is saved after a delete", async () => {
    const repository = repositoryOn(counted().documents);
    const [record] = libraryRecords(`deleted-${Date.now().toString(36)}`, 1, {
      status: () => "ready",
      tags: () => ["mine"],
    }) as [ImageRecord];
    await repository.create(record);
    // The worker read the record before the user deleted it.
    const stale = (await repository.get(record.id)) as ImageRecord;
    await repository.softDelete(stale, new Date().toISOString());
    const analysis = { status: "done" as const, provider: "basic", tags: ["ai-tag"] };

    await expect(
      repository.saveAnalysis(stale, new Date().toISOString(), analysis, ["mine", "ai-tag"]),
    ).rejects.toBeInstanceOf(ConflictError);
    // The caller reads again and saves on the deleted record: tags on the record, no tag items.
    const fresh = (await repository.get(record.id)) as ImageRecord;
    await repository.saveAnalysis(fresh, new Date().toISOString(), analysis, ["mine", "ai-tag"]);

    expect(await partition(record.id)).toEqual(["IMAGE"]);
    expect((await repository.get(record.id))?.tags).toEqual(["mine", "ai-tag"]);
    // And a restore brings back the tag items of every tag, the AI's included.
    const restored = await repository.restore(
      (await repository.get(record.id)) as ImageRecord,
      new Date().toISOString(),
    );
    expect(restored.tags).toEqual(["mine", "ai-tag"]);
    expect(await partition(record.id)).toEqual(["IMAGE", "TAG#ai-tag", "TAG#mine"]);
  });

  it("purges every item of the image, leftovers from older writers included", async () => {
    const repository = repositoryOn(counted().documents);
    const [record] = libraryRecords(`purge-${Date.now().toString(36)}`, 1, {
      status: () => "ready",
      tags: () => ["a", "b"],
    }) as [ImageRecord];
    await repository.create(record);
    await repository.softDelete(record, "2026-01-01T00:00:00.000Z");
    // A tag item an older writer left for the deleted image.
    await counted().documents.send(
      new PutCommand({
        TableName: outputs().table,
        Item: {
          pk: `IMAGE#${record.id}`,
          sk: "TAG#left",
          gsi2pk: `${record.userId}#left`,
          gsi2sk: "x",
          imageId: record.id,
        },
      }),
    );
    expect(await partition(record.id)).toEqual(["IMAGE", "TAG#left"]);

    await repository.purge((await repository.get(record.id)) as ImageRecord);

    expect(await partition(record.id)).toEqual([]);
  });
});

describe("records from before the status index", () => {
  it("get their status keys from the backfill, and only they are written", async () => {
    // Prepare: records as written before the index existed (no gsi3 keys), in the deployed table.
    const name = outputs().table;
    const user = `legacy-${Date.now().toString(36)}`;
    const records = libraryRecords(user, 3, {
      status: (i) => (["ready", "failed", "ready"] as const)[i] ?? "ready",
    });
    const documents = counted().documents;
    for (const r of records) {
      await documents.send(
        new PutCommand({
          TableName: name,
          Item: {
            pk: `IMAGE#${r.id}`,
            sk: "IMAGE",
            gsi1pk: `USER#${r.userId}`,
            gsi1sk: `${r.createdAt}#${r.id}`,
            ...r,
          },
        }),
      );
    }
    const repository = new DynamoImageRepository(documents, name);
    expect((await repository.list({ userId: user, status: "ready", limit: 10, order: "asc" })).items).toEqual(
      [],
    );

    // Act
    const backfilled = await repository.backfillStatusKeys();

    // Assess: the three records are found by status; a second run has nothing to do.
    expect(backfilled).toBeGreaterThanOrEqual(3);
    const ready = await repository.list({ userId: user, status: "ready", limit: 10, order: "asc" });
    expect(ready.items.map((r) => r.id)).toEqual([records[0]?.id, records[2]?.id]);
    expect(await repository.backfillStatusKeys()).toBe(0);
  });
});

/**
 * Every state change is a conditional write: these are the conditions, each refused once and allowed
 * once, on records of their own.
 */
describe("conditional writes", () => {
  const repository = () => repositoryOn(counted().documents);
  const ERROR = { code: "corrupt_image", message: "The image could not be decoded" };
  const PROCESSED = {
    width: 4,
    height: 3,
    format: "jpeg",
    thumbnails: { thumb: { key: "t", width: 4, height: 3 }, preview: { key: "p", width: 4, height: 3 } },
    originalEtag: '"0123456789abcdef0123456789abcdef"',
    checksum: { sha256: "ab".repeat(32) },
    phash: "0123456789abcdef",
  };
  let users = 0;

  /** A record of a user of its own, created through the repository. */
  async function created(
    status: ImageRecord["status"] = "pending",
    tags: string[] = [],
  ): Promise<ImageRecord> {
    const userId = `cond-${Date.now().toString(36)}-${users++}`;
    const [record] = libraryRecords(userId, 1, { status: () => status, tags: () => tags }) as [ImageRecord];
    await repository().create(record);
    return record;
  }

  const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
  /** What `write` was refused with (`undefined` if it was not). */
  const refusal = (write: Promise<unknown>) =>
    write.then(
      () => undefined,
      (error: unknown) => error,
    );
  const stored = async (id: string) => (await repository().get(id)) as ImageRecord;

  it.each([
    ["without tags (one write)", []],
    ["with tags (a transaction)", ["first"]],
  ])("refuses to create a second image under an existing id %s, and keeps the first", async (_, tags) => {
    // Prepare
    const first = await created("pending", tags);
    // Act
    const second = await refusal(repository().create({ ...first, filename: "other.jpg" }));
    // Assess
    expect(second).toBeInstanceOf(ConflictError);
    expect(await stored(first.id)).toMatchObject({ filename: first.filename, tags });
    expect(await partition(first.id)).toEqual(["IMAGE", ...tags.map((t) => `TAG#${t}`)]);
  });

  it("claims a pending image once, counts the claim and leases it", async () => {
    // Prepare
    const record = await created("pending");
    const lease = minutesFromNow(5);
    // Act
    const claimed = await repository().claimForProcessing(record, new Date().toISOString(), lease);
    const again = await repository().claimForProcessing(record, new Date().toISOString(), minutesFromNow(5));
    // Assess
    expect(claimed).toMatchObject({ id: record.id, status: "processing", leaseUntil: lease, claims: 1 });
    expect(again).toBeUndefined();
    expect(await stored(record.id)).toMatchObject({ status: "processing", leaseUntil: lease, claims: 1 });
  });

  it("lets a claim take over a processing image only once its lease has run out", async () => {
    // Prepare: claimed with a lease that runs out in a minute.
    const record = await created("pending");
    await repository().claimForProcessing(record, new Date().toISOString(), minutesFromNow(1));
    const lease = minutesFromNow(7);
    // Act
    const whileLeased = await repository().claimForProcessing(
      record,
      new Date().toISOString(),
      minutesFromNow(5),
    );
    const afterLease = await repository().claimForProcessing(record, minutesFromNow(2), lease);
    // Assess
    expect(whileLeased).toBeUndefined();
    expect(afterLease).toMatchObject({ status: "processing", leaseUntil: lease, claims: 2 });
  });

  it.each(["ready", "failed"] as const)("never claims a %s image, nor a missing one", async (status) => {
    // Prepare
    const record = await created(status);
    const missing = { ...record, id: newImageId() };
    // Act
    const final = await repository().claimForProcessing(record, minutesFromNow(60), minutesFromNow(65));
    const none = await repository().claimForProcessing(missing, new Date().toISOString(), minutesFromNow(5));
    // Assess
    expect(final).toBeUndefined();
    expect(none).toBeUndefined();
    expect(await repository().get(missing.id)).toBeUndefined();
    expect((await stored(record.id)).status).toBe(status);
  });

  it("marks only a processing image ready or failed, and never a final one again", async () => {
    // Prepare
    const pending = await created("pending");
    const working = await created("pending");
    await repository().claimForProcessing(working, new Date().toISOString(), minutesFromNow(5));
    const failing = await created("pending");
    await repository().claimForProcessing(failing, new Date().toISOString(), minutesFromNow(5));
    const now = new Date().toISOString();
    // Act
    const readyPending = await refusal(repository().markReady(pending, now, PROCESSED));
    const failPending = await refusal(repository().markFailed(pending, now, ERROR));
    await repository().markReady(working, now, PROCESSED);
    await repository().markFailed(failing, now, ERROR);
    const failReady = await refusal(repository().markFailed(working, now, ERROR));
    const readyFailed = await refusal(repository().markReady(failing, now, PROCESSED));
    // Assess
    for (const refused of [readyPending, failPending, failReady, readyFailed]) {
      expect(refused).toBeInstanceOf(ConflictError);
    }
    expect((await stored(pending.id)).status).toBe("pending");
    const ready = await stored(working.id);
    expect(ready).toMatchObject({ status: "ready", ...PROCESSED });
    expect(ready).not.toHaveProperty("leaseUntil");
    expect(ready).not.toHaveProperty("exif");
    const failed = await stored(failing.id);
    // A failed image is never analysed: its analysis is stored as skipped.
    expect(failed).toMatchObject({ status: "failed", error: ERROR, analysis: { status: "skipped" } });
    expect(failed).not.toHaveProperty("leaseUntil");
  });

  it("stores EXIF on a ready image only when the original had some", async () => {
    // Prepare
    const record = await created("pending");
    await repository().claimForProcessing(record, new Date().toISOString(), minutesFromNow(5));
    const exif = { camera: "Nikon Z 6", takenAt: "2025-08-09T10:11:12.000Z" };
    // Act
    await repository().markReady(record, new Date().toISOString(), { ...PROCESSED, exif });
    // Assess
    expect((await stored(record.id)).exif).toEqual(exif);
  });

  it("does not abandon an image a live worker owns, nor one that is not processing", async () => {
    // Prepare
    const leased = await created("pending");
    await repository().claimForProcessing(leased, new Date().toISOString(), minutesFromNow(5));
    const pending = await created("pending");
    // Act
    const live = await repository().markAbandoned(leased, new Date().toISOString(), ERROR);
    const notProcessing = await repository().markAbandoned(pending, minutesFromNow(60), ERROR);
    // Assess
    expect(live).toBe(false);
    expect(notProcessing).toBe(false);
    expect((await stored(leased.id)).status).toBe("processing");
    expect((await stored(pending.id)).status).toBe("pending");
  });

  it("fails a ready image for a replaced original only when the checked ETag is the one given", async () => {
    // Prepare
    const record = await created("pending");
    await repository().claimForProcessing(record, new Date().toISOString(), minutesFromNow(5));
    await repository().markReady(record, new Date().toISOString(), PROCESSED);
    // Act
    const other = await repository().markOriginalReplaced(
      record,
      new Date().toISOString(),
      '"another"',
      ERROR,
    );
    // Assess
    expect(other).toBe(false);
    expect(await stored(record.id)).toMatchObject({ status: "ready", thumbnails: PROCESSED.thumbnails });
  });

  it("leases the analysis of a ready image once, and again only after the lease has run out", async () => {
    // Prepare: a ready image whose analysis is pending.
    const record = await created("ready");
    const pending = (await repository().requestAnalysis(record, new Date().toISOString())) as ImageRecord;
    const lease = minutesFromNow(1);
    const nextLease = minutesFromNow(7);
    // Act
    const first = await repository().claimAnalysis(pending, new Date().toISOString(), lease);
    const whileLeased = await repository().claimAnalysis(
      pending,
      new Date().toISOString(),
      minutesFromNow(5),
    );
    const afterLease = await repository().claimAnalysis(pending, minutesFromNow(2), nextLease);
    // Assess
    expect(first).toMatchObject({ analysisLeaseUntil: lease, analysis: { status: "pending" } });
    expect(whileLeased).toBeUndefined();
    expect(afterLease?.analysisLeaseUntil).toBe(nextLease);
  });

  it("leases no analysis that is done, nor one of an image that is not ready", async () => {
    // Prepare: libraryRecords gives a ready image a done analysis and a pending image a pending one.
    const done = await created("ready");
    const notReady = await created("pending");
    // Act
    const ofDone = await repository().claimAnalysis(done, new Date().toISOString(), minutesFromNow(5));
    const ofPending = await repository().claimAnalysis(notReady, new Date().toISOString(), minutesFromNow(5));
    // Assess
    expect(ofDone).toBeUndefined();
    expect(ofPending).toBeUndefined();
  });

  it("asks for an analysis of a ready image once until it has run, and never of another image", async () => {
    // Prepare
    const ready = await created("ready");
    const pending = await created("pending");
    const deleted = await created("ready");
    await repository().softDelete(deleted, new Date().toISOString());
    const now = new Date().toISOString();
    // Act
    const first = await repository().requestAnalysis(ready, now);
    const again = await repository().requestAnalysis(ready, now);
    const ofPending = await repository().requestAnalysis(pending, now);
    const ofDeleted = await repository().requestAnalysis(deleted, now);
    // Assess
    expect(first?.analysis.status).toBe("pending");
    expect((await stored(ready.id)).analysis.status).toBe("pending");
    expect([again, ofPending, ofDeleted]).toEqual([undefined, undefined, undefined]);
  });

  it("saves an analysis only on the tags it was merged with, clearing the lease and indexing new tags", async () => {
    // Prepare: an analysis leased on a record read with the tag `mine`; the user then changes the tags.
    const record = await created("ready", ["mine"]);
    const pending = (await repository().requestAnalysis(record, new Date().toISOString())) as ImageRecord;
    const read = (await repository().claimAnalysis(
      pending,
      new Date().toISOString(),
      minutesFromNow(5),
    )) as ImageRecord;
    await repository().updateDetails(read, new Date().toISOString(), { tags: ["mine", "edited"] });
    const analysis = { status: "done" as const, provider: "basic", tags: ["cat"] };
    // Act
    const stale = await refusal(
      repository().saveAnalysis(read, new Date().toISOString(), analysis, ["mine", "cat"]),
    );
    const fresh = await stored(record.id);
    await repository().saveAnalysis(fresh, new Date().toISOString(), analysis, ["mine", "edited", "cat"]);
    // Assess
    expect(stale).toBeInstanceOf(ConflictError);
    expect(fresh.analysis.status).toBe("pending");
    const saved = await stored(record.id);
    expect(saved).toMatchObject({ analysis, tags: ["mine", "edited", "cat"] });
    expect(saved).not.toHaveProperty("analysisLeaseUntil");
    expect(await partition(record.id)).toEqual(["IMAGE", "TAG#cat", "TAG#edited", "TAG#mine"]);
  });

  it("edits note and tags of a visible image, keeping the tag items in step", async () => {
    // Prepare
    const record = await created("ready", ["a", "b"]);
    // Act
    const edited = await repository().updateDetails(record, new Date().toISOString(), {
      note: "a note",
      tags: ["b", "c"],
    });
    // Assess
    expect(edited).toMatchObject({ note: "a note", tags: ["b", "c"] });
    expect(await stored(record.id)).toMatchObject({ note: "a note", tags: ["b", "c"] });
    expect(await partition(record.id)).toEqual(["IMAGE", "TAG#b", "TAG#c"]);
    const byTag = await repository().list({ userId: record.userId, tag: "c", limit: 10, order: "desc" });
    expect(byTag.items.map((r) => r.id)).toEqual([record.id]);
  });

  it("refuses an edit of tags changed since the read, of a deleted image, or as another user", async () => {
    // Prepare
    const record = await created("ready", ["a"]);
    await repository().updateDetails(record, new Date().toISOString(), { tags: ["a", "worker"] });
    const deleted = await created("ready");
    await repository().softDelete(deleted, new Date().toISOString());
    const now = new Date().toISOString();
    const fresh = await stored(record.id);
    // Act
    const staleTags = await refusal(repository().updateDetails(record, now, { tags: ["b"] }));
    const ofDeleted = await refusal(repository().updateDetails(deleted, now, { note: "x" }));
    const asOther = await refusal(
      repository().updateDetails({ ...fresh, userId: `${fresh.userId}-other` }, now, { note: "x" }),
    );
    // Assess
    for (const refused of [staleTags, ofDeleted, asOther]) expect(refused).toBeInstanceOf(ConflictError);
    expect(await stored(record.id)).toMatchObject({ note: null, tags: ["a", "worker"] });
    expect(await partition(record.id)).toEqual(["IMAGE", "TAG#a", "TAG#worker"]);
  });

  it("deletes a visible image once, only with the tags it was read with", async () => {
    // Prepare
    const record = await created("ready", ["a"]);
    const moved = await created("ready", ["a"]);
    await repository().updateDetails(moved, new Date().toISOString(), { tags: ["a", "worker"] });
    const now = new Date().toISOString();
    // Act
    await repository().softDelete(record, now);
    const twice = await refusal(repository().softDelete(record, now));
    const staleTags = await refusal(repository().softDelete(moved, now));
    // Assess
    expect(twice).toBeInstanceOf(ConflictError);
    expect(staleTags).toBeInstanceOf(ConflictError);
    expect((await stored(record.id)).deletedAt).toBe(now);
    expect(await partition(record.id)).toEqual(["IMAGE"]);
    expect((await stored(moved.id)).deletedAt).toBeUndefined();
    const listed = await repository().list({ userId: record.userId, limit: 10, order: "desc" });
    expect(listed.items).toEqual([]);
  });

  it("restores only the deletion it read, with the status it read", async () => {
    // Prepare: deleted, restored and deleted again: the first read names a deletion that is over.
    const record = await created("ready", ["a"]);
    await repository().softDelete(record, "2026-01-01T00:00:00.000Z");
    const firstDeletion = await stored(record.id);
    await repository().restore(firstDeletion, new Date().toISOString());
    await repository().softDelete(await stored(record.id), "2026-01-02T00:00:00.000Z");
    const secondDeletion = await stored(record.id);
    const visible = await created("ready");
    const now = new Date().toISOString();
    // Act
    const staleDeletion = await refusal(repository().restore(firstDeletion, now));
    const staleStatus = await refusal(repository().restore({ ...secondDeletion, status: "failed" }, now));
    const notDeleted = await refusal(
      repository().restore({ ...visible, deletedAt: "2026-01-01T00:00:00.000Z" }, now),
    );
    // Assess
    for (const refused of [staleDeletion, staleStatus, notDeleted])
      expect(refused).toBeInstanceOf(ConflictError);
    expect((await stored(record.id)).deletedAt).toBe("2026-01-02T00:00:00.000Z");
    expect(await partition(record.id)).toEqual(["IMAGE"]);
  });

  it("lists deleted images by the time of their deletion, and purges none that was restored", async () => {
    // Prepare: deleted long ago, then restored by the user after the purge job read it.
    const record = await created("ready", ["a"]);
    await repository().softDelete(record, "2000-01-01T00:00:00.000Z");
    const due = await repository().listDeletedBefore("2000-01-01T00:00:00.001Z", 100);
    await repository().restore(await stored(record.id), new Date().toISOString());
    // Act
    const purge = await refusal(repository().purge(due.find((r) => r.id === record.id) as ImageRecord));
    // Assess
    expect(due.map((r) => r.id)).toContain(record.id);
    expect(purge).toBeInstanceOf(ConflictError);
    expect(await partition(record.id)).toEqual(["IMAGE", "TAG#a"]);
  });
});

/** The lookup by digest: written with `ready`, read for duplicates, gone with the purge. */
describe("images by SHA-256", () => {
  const repository = () => repositoryOn(counted().documents);
  const digest = "cd".repeat(32);
  const processedWith = (sha256: string) => ({
    width: 4,
    height: 3,
    format: "png",
    thumbnails: { thumb: { key: "t", width: 4, height: 3 }, preview: { key: "p", width: 4, height: 3 } },
    originalEtag: '"etag"',
    checksum: { sha256 },
    phash: "00ff00ff00ff00ff",
  });

  async function readyImages(userId: string, count: number, sha256 = digest): Promise<ImageRecord[]> {
    const records = libraryRecords(userId, count, { status: () => "pending" });
    for (const record of records) {
      await repository().create(record);
      await repository().claimForProcessing(record, new Date().toISOString(), "2099-01-01T00:00:00.000Z");
      await repository().markReady(record, new Date().toISOString(), processedWith(sha256));
    }
    return Promise.all(records.map(async (r) => (await repository().get(r.id)) as ImageRecord));
  }

  it("lists a user's ready, visible images with the digest, newest first, at most the limit", async () => {
    // Prepare
    const user = `sha-${Date.now().toString(36)}`;
    const [a, b, c] = (await readyImages(user, 3)) as [ImageRecord, ImageRecord, ImageRecord];
    await readyImages(`${user}-other`, 1);
    await readyImages(user, 1, "ef".repeat(32));
    await repository().softDelete(b, new Date().toISOString());
    // Act
    const found = await repository().findBySha256(user, digest, 100);
    const one = await repository().findBySha256(user, digest, 1);
    // Assess
    expect(found.map((r) => r.id)).toEqual([c.id, a.id]);
    expect(found[0]).toMatchObject({ checksum: { sha256: digest }, phash: "00ff00ff00ff00ff" });
    expect(one.map((r) => r.id)).toEqual([c.id]);
    expect(await repository().findBySha256(`${user}-nobody`, digest, 100)).toEqual([]);
  });

  it("purges the lookup item with the image: nothing of it is left", async () => {
    // Prepare
    const user = `sha-purge-${Date.now().toString(36)}`;
    const [record] = (await readyImages(user, 1)) as [ImageRecord];
    const lookupKey = { pk: `SHA256#${user}#${digest}`, sk: record.id };
    const lookup = () =>
      counted().documents.send(
        new GetCommand({ TableName: outputs().table, Key: lookupKey, ConsistentRead: true }),
      );
    expect((await lookup()).Item).toMatchObject({ imageId: record.id });
    await repository().softDelete(record, "2026-01-01T00:00:00.000Z");
    // Act
    await repository().purge((await repository().get(record.id)) as ImageRecord);
    // Assess
    expect((await lookup()).Item).toBeUndefined();
    expect(await partition(record.id)).toEqual([]);
  });

  it("stores an embedding as binary Float32 and reads it back as numbers; a later analysis without one removes it", async () => {
    // Prepare
    const [record] = (await readyImages(`emb-${Date.now().toString(36)}`, 1)) as [ImageRecord];
    const vector = [0.6, -0.8, 0, 0.25];
    const analysis = { status: "done" as const, provider: "basic", tags: ["x"] };
    // Act
    await repository().saveAnalysis(record, new Date().toISOString(), analysis, record.tags, {
      model: "m",
      vector,
    });
    const raw = await counted().documents.send(
      new GetCommand({ TableName: outputs().table, Key: { pk: `IMAGE#${record.id}`, sk: "IMAGE" } }),
    );
    const withEmbedding = await repository().get(record.id);
    await repository().saveAnalysis(
      withEmbedding as ImageRecord,
      new Date().toISOString(),
      analysis,
      record.tags,
    );
    // Assess
    expect(raw.Item?.embedding.vector).toBeInstanceOf(Uint8Array);
    expect(raw.Item?.embedding.vector.byteLength).toBe(16);
    expect(withEmbedding?.embedding?.model).toBe("m");
    withEmbedding?.embedding?.vector.forEach((v, i) => {
      expect(v).toBeCloseTo(vector[i] as number, 6);
    });
    expect((await repository().get(record.id))?.embedding).toBeUndefined();
  });
});
