/** Analysis after processing: providers' results, failures and concurrent tag edits. */
import { BasicAnalysisProvider, SharpImageProcessor } from "@picstack/adapters/sharp";
import sharp from "sharp";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type AnalysisProvider,
  analyzeImage,
  cleanAnalysisTags,
  createUpload,
  type ProcessUploadDeps,
  processUpload,
} from "../src/index.js";
import { fixedClock, InMemoryImageRepository, InMemoryObjectStore } from "./fakes.js";

let images: InMemoryImageRepository;
let objects: InMemoryObjectStore;
let deps: ProcessUploadDeps;

beforeEach(() => {
  images = new InMemoryImageRepository();
  objects = new InMemoryObjectStore();
  deps = {
    images,
    objects,
    clock: fixedClock(),
    processor: new SharpImageProcessor(),
    leaseSeconds: 60,
    provider: new BasicAnalysisProvider(),
  };
});

async function readyImage(provider: AnalysisProvider, tags: string[] = ["mine"]) {
  const bytes = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#2050d0" } })
    .jpeg()
    .toBuffer();
  const { image } = await createUpload({ ...deps, maxUploadBytes: 1e7 }, "alice", {
    filename: "a.jpg",
    contentType: "image/jpeg",
    size: bytes.byteLength,
    tags,
  });
  const key = (await images.get(image.id))?.originalKey as string;
  await objects.put(key, bytes, "image/jpeg");
  await processUpload({ ...deps, provider }, { key });
  return (await images.get(image.id)) as NonNullable<Awaited<ReturnType<typeof images.get>>>;
}

describe("analysis", () => {
  it("tags with the basic provider offline and joins AI tags to the user's", async () => {
    const record = await readyImage(new BasicAnalysisProvider());
    expect(record.status).toBe("ready");
    expect(record.analysis).toMatchObject({ status: "done", provider: "basic", model: "basic-1" });
    expect(record.analysis.tags).toEqual(["landscape", "blue"]);
    expect(record.analysis.description).toMatch(/landscape JPEG image, mostly blue/);
    expect(record.tags).toEqual(["mine", "landscape", "blue"]);
  });

  it("keeps the image ready when the provider fails, and records why", async () => {
    const failing: AnalysisProvider = {
      name: "openai",
      model: "test-model",
      analyze: async () => {
        throw new Error("upstream answered 500: Incorrect API key provided: sk-abc***xyz");
      },
    };
    const record = await readyImage(failing);
    expect(record.status).toBe("ready");
    expect(record.thumbnails).toBeDefined();
    expect(record.analysis).toMatchObject({
      status: "failed",
      provider: "openai",
      model: "test-model",
      error: { code: "analysis_provider_error", message: expect.any(String) },
    });
    expect(JSON.stringify(record)).not.toContain("sk-");
    expect(JSON.stringify(record)).not.toContain("upstream");
    expect(record.tags).toEqual(["mine"]);
  });

  it("merges with tags a user changed while the analysis ran instead of overwriting them", async () => {
    const record = await readyImage(new BasicAnalysisProvider(), []);
    // The user edits tags after the record was read for analysis.
    await images.updateDetails(record, "2026-03-04T05:06:08.000Z", { tags: ["edited"] });
    const provider: AnalysisProvider = {
      name: "fake",
      analyze: async () => ({ tags: ["Cat", "cat", " dog "] }),
    };

    await analyzeImage({ images, provider, clock: fixedClock() }, record, new Uint8Array(), {
      width: 1,
      height: 1,
      format: "png",
      hasAlpha: false,
      pages: 1,
    });

    expect((await images.get(record.id))?.tags).toEqual(["edited", "cat", "dog"]);
  });

  it("cleans AI tags: lower case, trimmed, unique, at most ten of at most 50 characters", () => {
    const raw = [" Sky ", "sky", "x".repeat(51), ...Array.from({ length: 15 }, (_, i) => `T${i}`)];
    const cleaned = cleanAnalysisTags(raw);
    expect(cleaned).toHaveLength(10);
    expect(cleaned.slice(0, 2)).toEqual(["sky", "t0"]);
  });
});
