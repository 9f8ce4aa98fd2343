/**
 * The analysis' embedding: one call per analysis with its text, stored in the same write as the
 * analysis, never sent to clients; a failing or absent provider never costs the analysis.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  type EmbeddingProvider,
  embeddingText,
  type ImageRecord,
  type ProcessUploadDeps,
  processUpload,
  runRequestedAnalysis,
  toImage,
} from "../src/index.js";
import {
  FakeAnalysisProvider,
  fakeImage,
  fakeWorkerDeps,
  InMemoryImageRepository,
  uploadedImage,
} from "./fakes.js";

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

let images: InMemoryImageRepository;
let deps: ProcessUploadDeps;
let embeddings: RecordingEmbeddings;
let logged: Array<{ message: string; details: Record<string, unknown> }>;

beforeEach(() => {
  const fakes = fakeWorkerDeps(new InMemoryImageRepository());
  images = fakes.images;
  embeddings = new RecordingEmbeddings();
  logged = [];
  deps = {
    ...fakes,
    provider: new FakeAnalysisProvider({ description: "A red car.", text: "STOP", tags: ["Car", "street"] }),
    embeddings,
    log: (message, details) => logged.push({ message, details }),
  };
});

async function processed(): Promise<ImageRecord> {
  const { id, key } = await uploadedImage(deps, fakeImage());
  await processUpload(deps, { key });
  return (await images.get(id)) as ImageRecord;
}

describe("the analysis' embedding", () => {
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
