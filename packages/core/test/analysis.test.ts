/**
 * Analysis after processing: a provider's answer joined to the user's tags and bounded, its failures
 * stored as fixed codes, its deadline, and tag edits made while it ran.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  ANALYSIS_RESERVE_MS,
  AnalysisFailure,
  type AnalysisProvider,
  analyzeImage,
  cleanAnalysisTags,
  type EmbeddingProvider,
  embeddingText,
  type ImageRecord,
  MAX_TAGS,
  MAX_TEXT_BYTES,
  type ProcessUploadDeps,
  processUpload,
  runRequestedAnalysis,
  toImage,
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

const FEATURES = { width: 1, height: 1, format: "png", hasAlpha: false, pages: 1 };

let images: InMemoryImageRepository;
let objects: InMemoryObjectStore;
let clock: ReturnType<typeof fixedClock>;
let deps: ProcessUploadDeps;

beforeEach(() => {
  const fakes = fakeWorkerDeps(new InMemoryImageRepository());
  ({ images, objects, clock } = fakes);
  deps = fakes;
});

/** A processed image, analysed by `provider` on the way. */
async function analysedImage(
  provider: AnalysisProvider,
  options: { tags?: string[]; log?: ProcessUploadDeps["log"] } = {},
): Promise<ImageRecord> {
  const { id, key } = await uploadedImage(deps, fakeImage({ width: 300, height: 200 }), {
    tags: options.tags ?? ["mine"],
  });
  await processUpload({ ...deps, provider, ...(options.log ? { log: options.log } : {}) }, { key });
  return (await images.get(id)) as ImageRecord;
}

describe("a provider's answer", () => {
  it("is stored with the provider's name and model, its tags joined after the user's", async () => {
    // Prepare
    const provider = new FakeAnalysisProvider({
      tags: ["landscape", "blue", "mine"],
      description: "  A landscape, mostly blue. ",
      text: " EXIT ",
      usage: { inputTokens: 120, outputTokens: 30 },
    });
    // Act
    const record = await analysedImage(provider);
    // Assess
    expect(record.status).toBe("ready");
    expect(record.analysis).toEqual({
      status: "done",
      provider: "fake",
      model: "fake-1",
      tags: ["landscape", "blue", "mine"],
      description: "A landscape, mostly blue.",
      text: "EXIT",
      usage: { inputTokens: 120, outputTokens: 30 },
    });
    expect(record.tags).toEqual(["mine", "landscape", "blue"]);
  });

  it("has its tags cleaned: lower case, trimmed, unique, at most ten of at most 50 characters", () => {
    // Prepare
    const raw = [" Sky ", "sky", "x".repeat(51), 7, ...Array.from({ length: 15 }, (_, i) => `T${i}`)];
    // Act
    const cleaned = cleanAnalysisTags(raw);
    // Assess
    expect(cleaned).toEqual(["sky", ...Array.from({ length: 9 }, (_, i) => `t${i}`)]);
  });

  it("is capped: text at 2 KB, the description, AI tags at ten, and merged tags at the tag limit", async () => {
    // Prepare: a user with 18 tags; a model answering far too much.
    const userTags = Array.from({ length: 18 }, (_, i) => `user${i}`);
    const verbose = new FakeAnalysisProvider({
      description: "d".repeat(10_000),
      text: "ü".repeat(5000),
      tags: Array.from({ length: 50 }, (_, i) => `ai${i}`),
    });
    // Act
    const after = await analysedImage(verbose, { tags: userTags });
    // Assess
    expect(new TextEncoder().encode(after.analysis.text).byteLength).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(after.analysis.text).toBe("ü".repeat(MAX_TEXT_BYTES / 2));
    expect(after.analysis.description).toHaveLength(300);
    expect(after.analysis.tags).toHaveLength(10);
    expect(after.tags).toHaveLength(MAX_TAGS);
    expect(after.tags).toEqual([...userTags, "ai0", "ai1"]);
  });

  it("merges with tags a user changed while the analysis ran instead of overwriting them", async () => {
    // Prepare: the user edits tags after the record was read for analysis.
    const record = await analysedImage(new FakeAnalysisProvider(), { tags: [] });
    await images.updateDetails(record, "2026-03-04T05:06:08.000Z", { tags: ["edited"] });
    const provider = new FakeAnalysisProvider({ tags: ["Cat", "cat", " dog "] });
    // Act
    await analyzeImage({ images, provider, clock }, record, new Uint8Array(), FEATURES);
    // Assess
    expect((await images.get(record.id))?.tags).toEqual(["edited", "cat", "dog"]);
  });
});

describe("a provider's failure", () => {
  const secret = "upstream answered 500: Incorrect API key provided: sk-live-123";

  it.each([
    ["an error of its own", new Error(secret), "analysis_provider_error"],
    ["a timeout", new AnalysisFailure("timeout", "boom", { cause: new Error(secret) }), "analysis_timeout"],
    [
      "a provider error",
      new AnalysisFailure("provider_error", "boom", { cause: new Error(secret) }),
      "analysis_provider_error",
    ],
    [
      "an answer it could not use",
      new AnalysisFailure("invalid_output", "boom", { cause: new Error(secret) }),
      "analysis_invalid_output",
    ],
  ])(
    "keeps the image ready after %s and stores %s with a fixed text, logging the details",
    async (_, error, code) => {
      // Prepare
      const failing: AnalysisProvider = {
        name: "openai",
        model: "test-model",
        analyze: async () => {
          throw error;
        },
      };
      const logged: unknown[] = [];
      // Act
      const record = await analysedImage(failing, { log: (_m, details) => logged.push(details) });
      // Assess
      expect(record.status).toBe("ready");
      expect(record.thumbnails).toBeDefined();
      expect(record.analysis).toEqual({
        status: "failed",
        provider: "openai",
        model: "test-model",
        tags: [],
        error: { code, message: expect.any(String) },
      });
      expect(JSON.stringify(record)).not.toMatch(/sk-|upstream|boom/);
      expect(record.tags).toEqual(["mine"]);
      expect(logged).toHaveLength(1);
    },
  );

  it("ends an analysis that outlives the deadline as analysis_timeout, stored before the deadline", async () => {
    // Prepare: a provider that never answers and ignores the signal.
    let signal: AbortSignal | undefined;
    const hanging: AnalysisProvider = {
      name: "hang",
      analyze: (_preview, _features, options) => {
        signal = options?.signal;
        return new Promise(() => {});
      },
    };
    const record = await analysedImage(new FakeAnalysisProvider());
    const deadline = Date.now() + ANALYSIS_RESERVE_MS + 300;
    // Act
    const analysis = await analyzeImage(
      { images, provider: hanging, clock, deadline },
      record,
      new Uint8Array(),
      FEATURES,
    );
    // Assess
    expect(Date.now()).toBeLessThan(deadline);
    expect(analysis.error?.code).toBe("analysis_timeout");
    expect((await images.get(record.id))?.analysis).toMatchObject({
      status: "failed",
      error: { code: "analysis_timeout" },
    });
    expect(signal?.aborted).toBe(true);
  });

  it("tells the provider the deadline it must answer by, the reserve kept back", async () => {
    // Prepare
    const provider = new FakeAnalysisProvider({ tags: [] });
    const record = await analysedImage(new FakeAnalysisProvider());
    const deadline = Date.now() + 60_000;
    // Act
    await analyzeImage({ images, provider, clock, deadline }, record, new Uint8Array(), FEATURES);
    // Assess
    expect(provider.calls[0]?.options?.deadline).toBe(deadline - ANALYSIS_RESERVE_MS);
  });
});

/** Embeds each text as a fixed unit vector of `dimensions`, and keeps what it was asked. */
class RecordingEmbeddings implements EmbeddingProvider {
  readonly model = "embed-test";
  readonly calls: string[][] = [];
  fail: Error | undefined;
  constructor(readonly dimensions = 4) {}
  async embed(texts: string[]): Promise<number[][]> {
    this.calls.push(texts);
    if (this.fail) throw this.fail;
    return texts.map(() => [1, 0, 0, 0].slice(0, this.dimensions));
  }
}

describe("the analysis' embedding", () => {
  let embeddings: RecordingEmbeddings;
  let logged: Array<{ message: string; details: Record<string, unknown> }>;

  beforeEach(() => {
    embeddings = new RecordingEmbeddings();
    logged = [];
    deps = {
      ...deps,
      provider: new FakeAnalysisProvider({
        description: "A red car.",
        text: "STOP",
        tags: ["Car", "street"],
      }),
      embeddings,
      log: (message, details) => logged.push({ message, details }),
    };
  });

  async function processed(): Promise<ImageRecord> {
    const { id, key } = await uploadedImage(deps, fakeImage());
    await processUpload(deps, { key });
    return (await images.get(id)) as ImageRecord;
  }

  it("embeds description, visible text and tags in one call and stores it with the analysis", async () => {
    // Act
    const record = await processed();
    // Assess
    expect(embeddings.calls).toEqual([["A red car.\nSTOP\ncar, street"]]);
    expect(record.analysis.status).toBe("done");
    expect(record.embedding).toEqual({ model: "embed-test", vector: [1, 0, 0, 0] });
    expect(JSON.stringify(toImage(record))).not.toMatch(/embed/);
  });

  it("stores the analysis without an embedding when the provider fails, and logs why", async () => {
    // Prepare
    embeddings.fail = new Error("Incorrect API key provided: sk-secret");
    // Act
    const record = await processed();
    // Assess
    expect(record.status).toBe("ready");
    expect(record.analysis).toMatchObject({ status: "done", description: "A red car." });
    expect(record.embedding).toBeUndefined();
    expect(JSON.stringify(record)).not.toMatch(/sk-secret/);
    expect(logged.map((l) => l.message)).toContain("embedding failed");
  });

  it("drops a vector of the wrong length rather than store it", async () => {
    // Prepare
    embeddings = new RecordingEmbeddings(4);
    Object.defineProperty(embeddings, "dimensions", { value: 8 });
    deps.embeddings = embeddings;
    // Act
    const record = await processed();
    // Assess
    expect(record.analysis.status).toBe("done");
    expect(record.embedding).toBeUndefined();
  });

  it("is not asked for without a provider, for a failed analysis, or for an analysis with no text", async () => {
    // Prepare
    const without = { ...deps };
    delete without.embeddings;
    // Act
    const { id, key } = await uploadedImage(without, fakeImage());
    await processUpload(without, { key });
    deps.provider = new FakeAnalysisProvider({ tags: [] });
    const empty = await processed();
    deps.provider = {
      name: "broken",
      analyze: async () => {
        throw new Error("down");
      },
    };
    const failed = await processed();
    // Assess
    expect((await images.get(id))?.embedding).toBeUndefined();
    expect(embeddingText(empty.analysis)).toBe("");
    expect(empty.embedding).toBeUndefined();
    expect(failed.analysis.status).toBe("failed");
    expect(failed.embedding).toBeUndefined();
    expect(embeddings.calls).toEqual([]);
  });

  it("replaces the embedding when the analysis runs again, and removes it when that one fails", async () => {
    // Prepare
    const record = await processed();
    await images.requestAnalysis(record, "2026-03-04T06:00:00.000Z");
    embeddings.fail = new Error("outage");
    // Act
    await runRequestedAnalysis(deps, record.id);
    // Assess
    const again = (await images.get(record.id)) as ImageRecord;
    expect(again.analysis.status).toBe("done");
    expect(again.embedding).toBeUndefined();
  });
});
