/**
 * The openai embedding provider against the fake OpenAI-compatible server (test/fake-openai.ts): the
 * real SDK, its retries, the asked dimensions, unit-length vectors, and failures that carry no provider
 * text in their message. Nothing reaches the internet.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fakeEmbedding } from "../../../test/fake-embeddings.js";
import { type FakeOpenAi, startFakeOpenAi } from "../../../test/fake-openai.js";
import { EmbeddingFailure, OpenAiEmbeddingProvider, unitVector } from "../src/openai-embedding.provider.js";

let server: FakeOpenAi;

beforeAll(async () => {
  server = await startFakeOpenAi();
});

afterAll(() => server.close());

beforeEach(() => {
  server.failNext(0);
  server.answerDimensions(undefined);
  server.embeddingRequests.length = 0;
});

function provider(overrides: Partial<ConstructorParameters<typeof OpenAiEmbeddingProvider>[0]> = {}) {
  return new OpenAiEmbeddingProvider({
    apiKey: "sk-test-not-a-real-key",
    model: "text-embedding-3-small",
    dimensions: 64,
    baseURL: server.baseURL,
    timeoutMs: 5000,
    maxRetries: 0,
    ...overrides,
  });
}

const dot = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);

describe("OpenAiEmbeddingProvider", () => {
  it("embeds every text in one call at the configured model and dimensions, as unit vectors in input order", async () => {
    // Prepare
    const texts = ["a puppy on the beach", "a dog at the seaside", "an invoice from a hotel"];
    const calls = server.embeddingCalls();
    // Act
    const vectors = await provider().embed(texts);
    // Assess
    expect(server.embeddingCalls() - calls).toBe(1);
    expect(server.embeddingRequests).toEqual([
      {
        model: "text-embedding-3-small",
        input: texts,
        dimensions: 64,
        encodingFormat: "float",
        authorization: "Bearer sk-test-not-a-real-key",
      },
    ]);
    expect(vectors).toHaveLength(3);
    for (const [i, vector] of vectors.entries()) {
      expect(vector).toHaveLength(64);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 6);
      expect(vector[0]).toBeCloseTo(fakeEmbedding(texts[i] as string, 64)[0] as number, 6);
    }
    const [puppy, dog, invoice] = vectors as [number[], number[], number[]];
    expect(dot(puppy, dog)).toBeGreaterThan(dot(puppy, invoice));
  });

  it("retries a server error with the SDK's retries", async () => {
    // Prepare
    server.failNext(1);
    // Act
    const vectors = await provider({ maxRetries: 2 }).embed(["cat"]);
    // Assess
    expect(vectors).toHaveLength(1);
    expect(server.embeddingRequests).toHaveLength(2);
  });

  it("fails with a fixed message, the provider's text (which quotes a key) only in the cause", async () => {
    // Prepare
    server.failNext(1);
    // Act
    const error = await provider()
      .embed(["cat"])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    // Assess
    expect(error).toBeInstanceOf(EmbeddingFailure);
    expect((error as Error).message).toBe("The embedding provider failed");
    expect((error as Error).message).not.toMatch(/sk-|outage/);
    expect(String((error as { cause?: unknown }).cause)).toMatch(/fake outage/);
  });

  it("refuses vectors of another length than configured, and an aborted call ends at once", async () => {
    // Prepare: a server that ignores the asked 64 dimensions.
    server.answerDimensions(32);
    const aborted = new AbortController();
    aborted.abort();
    // Act
    const wrongLength = await provider()
      .embed(["cat"])
      .catch((e: unknown) => e);
    server.answerDimensions(undefined);
    const abortedCall = await provider()
      .embed(["cat"], aborted.signal)
      .catch((e: unknown) => e);
    // Assess
    expect(wrongLength).toBeInstanceOf(EmbeddingFailure);
    expect(abortedCall).toBeInstanceOf(EmbeddingFailure);
  });

  it("refuses dimensions outside 1–3072 at construction, and asks nothing for no texts", async () => {
    expect(() => provider({ dimensions: 0 })).toThrow(/1 to 3072/);
    expect(() => provider({ dimensions: 3073 })).toThrow(/1 to 3072/);
    expect(await provider().embed([])).toEqual([]);
    expect(server.embeddingRequests).toEqual([]);
  });

  it("scales to unit length, and has no direction for a zero vector", () => {
    expect(unitVector([3, 4])).toEqual([0.6, 0.8]);
    expect(unitVector([0, 0])).toBeUndefined();
  });
});
