/**
 * What the worker guarantees beyond the happy path: no unchecked bytes behind a final image (on storage
 * that ignores If-None-Match, like the fake), a final state for images whose worker died, analyses that
 * end within the deadline with fixed error texts, bounded output and tags, and no repeated paid calls.
 */
import { BasicAnalysisProvider, SharpImageProcessor } from "@picstack/adapters/sharp";
import sharp from "sharp";
import { beforeEach, describe, expect, it } from "vitest";
import {
  ANALYSIS_RESERVE_MS,
  AnalysisFailure,
  AnalysisPendingError,
  type AnalysisProvider,
  analyzeImage,
  createUpload,
  type ImageProcessor,
  type ImageRecord,
  MAX_TAGS,
  MAX_TEXT_BYTES,
  ORIGINAL_REPLACED,
  type ProcessUploadDeps,
  processUpload,
  RETRIES_EXHAUSTED,
  requestImageAnalysis,
  runRequestedAnalysis,
} from "../src/index.js";
import { fixedClock, InMemoryImageRepository, InMemoryObjectStore } from "./fakes.js";

let images: InMemoryImageRepository;
let objects: InMemoryObjectStore;
let clock: ReturnType<typeof fixedClock>;
let deps: ProcessUploadDeps;

beforeEach(() => {
  images = new InMemoryImageRepository();
  objects = new InMemoryObjectStore();
  clock = fixedClock();
  deps = {
    images,
    objects,
    clock,
    processor: new SharpImageProcessor(),
    leaseSeconds: 60,
    provider: new BasicAnalysisProvider(),
  };
});

/** Two JPEGs of exactly the same size and different pixels. */
async function sameSizePair(): Promise<[Buffer, Buffer]> {
  const a = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#2050d0" } })
    .jpeg()
    .toBuffer();
  const b = Buffer.from(a);
  // Flip bits in the entropy-coded data (after the header): same length, other bytes.
  for (let i = b.length - 40; i < b.length - 10; i++) b[i] = (b[i] as number) ^ 0x10;
  return [a, b];
}

async function uploaded(bytes: Uint8Array, tags: string[] = []) {
  const { image } = await createUpload({ images, objects, clock, maxUploadBytes: 1e7 }, "alice", {
    filename: "a.jpg",
    contentType: "image/jpeg",
    size: bytes.byteLength,
    tags,
  });
  const key = (await images.get(image.id))?.originalKey as string;
  await objects.put(key, bytes, "image/jpeg");
  return { id: image.id, key };
}

const record = async (id: string) => (await images.get(id)) as ImageRecord;
const stored = (id: string) => [...objects.objects.keys()].filter((k) => k.includes(id));

describe("bytes behind a final image", () => {
  it("fails a ready image whose original was replaced, and removes original and thumbnails", async () => {
    // Prepare: processed, then a second PUT through the same URL (storage ignored If-None-Match).
    const [first, second] = await sameSizePair();
    const { id, key } = await uploaded(first);
    await processUpload(deps, { key, size: first.byteLength });
    expect((await record(id)).status).toBe("ready");
    await objects.put(key, second, "image/jpeg");
    // Act: the second PUT's notification.
    const outcome = await processUpload(deps, { key, size: second.byteLength });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code: ORIGINAL_REPLACED });
    const after = await record(id);
    expect(after.status).toBe("failed");
    expect(after.error?.code).toBe(ORIGINAL_REPLACED);
    expect(after.thumbnails).toBeUndefined();
    expect(stored(id)).toEqual([]);
  });

  it("catches bytes replaced while it worked, even though that notification found the image claimed", async () => {
    // Prepare: the second PUT lands while the first worker makes thumbnails, and its notification
    // arrives then too.
    const [first, second] = await sameSizePair();
    const { id, key } = await uploaded(first);
    const real = new SharpImageProcessor();
    let duringWork: Promise<unknown> | undefined;
    const swapping: ImageProcessor = {
      inspect: (bytes) => real.inspect(bytes),
      thumbnails: async (bytes) => {
        const out = await real.thumbnails(bytes);
        await objects.put(key, second, "image/jpeg");
        duringWork = processUpload(deps, { key, size: second.byteLength });
        await duringWork;
        return out;
      },
    };
    // Act
    const outcome = await processUpload({ ...deps, processor: swapping }, { key });
    // Assess
    expect(await duringWork).toMatchObject({ outcome: "skipped", reason: "already_claimed" });
    expect(outcome).toEqual({ outcome: "failed", id, code: ORIGINAL_REPLACED });
    expect((await record(id)).status).toBe("failed");
    expect(stored(id)).toEqual([]);
  });

  it("removes bytes written behind a failed image", async () => {
    // Prepare: a rejected file, then a PUT of a good photo through the same URL.
    const { id, key } = await uploaded(Buffer.from("not an image at all"));
    expect(await processUpload(deps, { key })).toMatchObject({
      outcome: "failed",
      code: "unsupported_format",
    });
    const [photo] = await sameSizePair();
    await objects.put(key, photo, "image/jpeg");
    // Act
    await processUpload(deps, { key });
    // Assess
    expect((await record(id)).status).toBe("failed");
    expect(objects.objects.has(key)).toBe(false);
  });

  it("keeps a ready image whose original is unchanged on a duplicate notification", async () => {
    const [first] = await sameSizePair();
    const { id, key } = await uploaded(first);
    await processUpload(deps, { key });
    const before = await record(id);
    expect(await processUpload(deps, { key })).toMatchObject({ outcome: "skipped" });
    expect(await record(id)).toEqual(before);
    expect(stored(id)).toHaveLength(3);
  });
});

describe("an image whose worker died", () => {
  async function claimedThreeTimes() {
    const [photo] = await sameSizePair();
    const up = await uploaded(photo);
    // Each receive claimed it and the worker was killed before it finished (nothing else happened).
    for (let i = 0; i < 3; i++) {
      const current = await record(up.id);
      const now = clock.now();
      expect(
        await images.claimForProcessing(
          current,
          now.toISOString(),
          new Date(now.getTime() + 60_000).toISOString(),
        ),
      ).toBeDefined();
      clock.advance(61);
    }
    return up;
  }

  it("ends failed with retries_exhausted on the receive past the last attempt, without trying again", async () => {
    // Prepare
    const { id, key } = await claimedThreeTimes();
    await objects.put(`thumbnails/2026/03/${id}_thumb.webp`, new Uint8Array([1]), "image/webp");
    let decoded = 0;
    const counting: ImageProcessor = {
      inspect: async (b) => {
        decoded++;
        return new SharpImageProcessor().inspect(b);
      },
      thumbnails: (b) => new SharpImageProcessor().thumbnails(b),
    };
    // Act
    const outcome = await processUpload({ ...deps, processor: counting }, { key }, { pastLastAttempt: true });
    // Assess
    expect(outcome).toEqual({ outcome: "failed", id, code: RETRIES_EXHAUSTED });
    expect(decoded).toBe(0);
    const after = await record(id);
    expect(after.status).toBe("failed");
    expect(after.error).toEqual({ code: RETRIES_EXHAUSTED, message: expect.any(String) });
    expect(stored(id)).toEqual([]);
  });

  it("processes a neighbour that was only in the crashed batches (never claimed) on that receive", async () => {
    const [photo] = await sameSizePair();
    const { id, key } = await uploaded(photo);
    expect(await processUpload(deps, { key }, { pastLastAttempt: true })).toEqual({ outcome: "ready", id });
  });

  it("leaves an image alone that a live worker owns, even on the last receive", async () => {
    const [photo] = await sameSizePair();
    const { id, key } = await uploaded(photo);
    const now = clock.now();
    await images.claimForProcessing(
      await record(id),
      now.toISOString(),
      new Date(now.getTime() + 60_000).toISOString(),
    );
    expect(await processUpload(deps, { key }, { pastLastAttempt: true })).toMatchObject({
      outcome: "skipped",
    });
    expect((await record(id)).status).toBe("processing");
  });

  it("fails an image whose processing throws on the last receive, instead of leaving it processing", async () => {
    const [photo] = await sameSizePair();
    const { id, key } = await uploaded(photo);
    objects.failReads = 1;
    await expect(processUpload(deps, { key }, { pastLastAttempt: true })).rejects.toThrow(
      "storage unavailable",
    );
    expect((await record(id)).error?.code).toBe(RETRIES_EXHAUSTED);
    expect(objects.objects.has(key)).toBe(false);
  });

  it("resumes an analysis that never got stored, once, and ends it on the last receive", async () => {
    // Prepare: the worker died after `ready`, before the analysis was stored.
    let calls = 0;
    const provider: AnalysisProvider = {
      name: "counting",
      analyze: async () => {
        calls++;
        return { tags: ["cat"] };
      },
    };
    const [photo] = await sameSizePair();
    const { id, key } = await uploaded(photo);
    const save = images.saveAnalysis.bind(images);
    images.saveAnalysis = async () => {
      throw new Error("killed");
    };
    await expect(processUpload({ ...deps, provider }, { key })).rejects.toThrow("killed");
    images.saveAnalysis = save;
    expect((await record(id)).analysis.status).toBe("pending");
    // Act + Assess: a duplicate while the analysis lease is live does not pay again.
    await processUpload({ ...deps, provider }, { key });
    expect(calls).toBe(1);
    clock.advance(61);
    await processUpload({ ...deps, provider }, { key });
    expect(calls).toBe(2);
    expect((await record(id)).analysis).toMatchObject({ status: "done", tags: ["cat"] });
  });

  it("ends a pending analysis as failed on the receive past the last attempt, without calling the provider", async () => {
    let calls = 0;
    const provider: AnalysisProvider = {
      name: "counting",
      analyze: async () => ({ tags: [String(++calls)] }),
    };
    const [photo] = await sameSizePair();
    const { id, key } = await uploaded(photo);
    await processUpload(deps, { key });
    await images.requestAnalysis(await record(id), clock.now().toISOString());
    await runRequestedAnalysis({ ...deps, provider }, id, { pastLastAttempt: true });
    expect(calls).toBe(0);
    expect((await record(id)).analysis).toMatchObject({
      status: "failed",
      error: { code: "analysis_interrupted" },
    });
  });
});

describe("the image step", () => {
  it("claims an image only when its turn in the gate comes, one decode at a time", async () => {
    // Prepare: a one-slot gate and a processor that counts decodes in flight.
    let tail: Promise<unknown> = Promise.resolve();
    const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
      const run = tail.then(work, work);
      tail = run.catch(() => {});
      return run;
    };
    const real = new SharpImageProcessor();
    let inFlight = 0;
    let most = 0;
    const claimsAtStart: number[] = [];
    const watching: ImageProcessor = {
      inspect: (b) => real.inspect(b),
      thumbnails: async (b) => {
        claimsAtStart.push([...images.records.values()].filter((r) => r.status === "processing").length);
        most = Math.max(most, ++inFlight);
        try {
          return await real.thumbnails(b);
        } finally {
          inFlight--;
        }
      },
    };
    const [photo] = await sameSizePair();
    const ups = await Promise.all([1, 2, 3].map(() => uploaded(photo)));
    // Act
    const outcomes = await Promise.all(
      ups.map((u) => processUpload({ ...deps, processor: watching, exclusive }, { key: u.key })),
    );
    // Assess
    expect(outcomes.map((o) => o.outcome)).toEqual(["ready", "ready", "ready"]);
    expect(most).toBe(1);
    expect(claimsAtStart).toEqual([1, 1, 1]);
  });

  it("does not claim an image when too little of the invocation is left", async () => {
    const [photo] = await sameSizePair();
    const { id, key } = await uploaded(photo);
    const outcome = await processUpload({ ...deps, deadline: Date.now() + 2000 }, { key });
    expect(outcome).toMatchObject({ outcome: "skipped", reason: "not_enough_time" });
    expect((await record(id)).status).toBe("pending");
  });
});

describe("analysis bounds", () => {
  const features = { width: 1, height: 1, format: "jpeg", hasAlpha: false, pages: 1 };

  it("ends an analysis that outlives the deadline as analysis_timeout, and stores it before the deadline", async () => {
    // Prepare: a provider that never answers and ignores the signal.
    let signal: AbortSignal | undefined;
    const hanging: AnalysisProvider = {
      name: "hang",
      analyze: (_p, _f, options) => {
        signal = options?.signal;
        return new Promise(() => {});
      },
    };
    const [photo] = await sameSizePair();
    const { id, key } = await uploaded(photo);
    await processUpload(deps, { key });
    const deadline = Date.now() + ANALYSIS_RESERVE_MS + 300;
    // Act
    const analysis = await analyzeImage(
      { images, provider: hanging, clock, deadline },
      await record(id),
      new Uint8Array(),
      features,
    );
    // Assess
    expect(Date.now()).toBeLessThan(deadline);
    expect(analysis.error?.code).toBe("analysis_timeout");
    expect((await record(id)).analysis).toMatchObject({
      status: "failed",
      error: { code: "analysis_timeout" },
    });
    expect(signal?.aborted).toBe(true);
  });

  it("stores a fixed code per failure kind, never the provider's text", async () => {
    for (const [kind, code] of [
      ["timeout", "analysis_timeout"],
      ["provider_error", "analysis_provider_error"],
      ["invalid_output", "analysis_invalid_output"],
    ] as const) {
      const failing: AnalysisProvider = {
        name: "openai",
        analyze: async () => {
          throw new AnalysisFailure(kind, "boom", {
            cause: new Error("Incorrect API key provided: sk-live-123"),
          });
        },
      };
      const [photo] = await sameSizePair();
      const { id, key } = await uploaded(photo);
      const logged: unknown[] = [];
      await processUpload({ ...deps, provider: failing, log: (_m, d) => logged.push(d) }, { key });
      const analysis = (await record(id)).analysis;
      expect(analysis).toMatchObject({ status: "failed", error: { code } });
      expect(JSON.stringify(analysis)).not.toMatch(/sk-|boom/);
      expect(logged).toHaveLength(1);
    }
  });

  it("caps text at 2 KB, the description, AI tags at ten, and merged tags at the tag limit", async () => {
    // Prepare: a user with 18 tags; a model answering far too much.
    const userTags = Array.from({ length: 18 }, (_, i) => `user${i}`);
    const verbose: AnalysisProvider = {
      name: "verbose",
      analyze: async () => ({
        description: "d".repeat(10_000),
        text: "ü".repeat(5000),
        tags: Array.from({ length: 50 }, (_, i) => `ai${i}`),
      }),
    };
    const [photo] = await sameSizePair();
    const { id, key } = await uploaded(photo, userTags);
    // Act
    await processUpload({ ...deps, provider: verbose }, { key });
    // Assess
    const after = await record(id);
    expect(new TextEncoder().encode(after.analysis.text).byteLength).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(after.analysis.text?.length).toBe(MAX_TEXT_BYTES / 2);
    expect(after.analysis.description).toHaveLength(300);
    expect(after.analysis.tags).toHaveLength(10);
    expect(after.tags).toHaveLength(MAX_TAGS);
    expect(after.tags).toEqual([...userTags, "ai0", "ai1"]);
  });
});

describe("POST /images/{id}/analyze", () => {
  it("answers analysis_pending while an analysis is queued, so repeats queue nothing", async () => {
    // Prepare
    const queued: string[] = [];
    const manage = {
      images,
      objects,
      clock,
      analysisQueue: { requestAnalysis: async (i: string) => void queued.push(i) },
    };
    const [photo] = await sameSizePair();
    const { id, key } = await uploaded(photo);
    await processUpload(deps, { key });
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
});
