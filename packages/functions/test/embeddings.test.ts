/**
 * The embedding settings (PICSTACK_EMBEDDING_*) as config.ts reads them, and the provider they choose.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { chooseEmbeddingProvider } from "../src/embeddings.js";

const base: Record<string, string> = {
  PICSTACK_FUNCTION: "getImage",
  PICSTACK_STAGE: "dev",
  PICSTACK_TABLE: "t",
  PICSTACK_BUCKET: "b",
  PICSTACK_WEB_ORIGIN: "https://app.picstack.test",
  PICSTACK_AUTH_ISSUER: "https://issuer.test",
  PICSTACK_AUTH_AUDIENCE: "picstack-web",
  PICSTACK_AUTH_JWKS_URL: "https://issuer.test/.well-known/jwks.json",
};

const configWith = (extra: Record<string, string>) => loadConfig({ ...base, ...extra });

describe("embedding settings", () => {
  it("default to text-embedding-3-small at 256 dimensions, provider chosen by the key", () => {
    expect(configWith({}).embeddings).toEqual({
      provider: undefined,
      model: "text-embedding-3-small",
      dimensions: 256,
    });
  });

  it("read the provider, model and dimensions, and refuse what is out of range", () => {
    const config = configWith({
      PICSTACK_EMBEDDING_PROVIDER: "none",
      PICSTACK_EMBEDDING_MODEL: "text-embedding-3-large",
      PICSTACK_EMBEDDING_DIMENSIONS: "3072",
    });
    expect(config.embeddings).toEqual({
      provider: "none",
      model: "text-embedding-3-large",
      dimensions: 3072,
    });
    for (const dimensions of ["0", "3073", "1.5", "many"]) {
      expect(() => configWith({ PICSTACK_EMBEDDING_DIMENSIONS: dimensions })).toThrow(
        /PICSTACK_EMBEDDING_DIMENSIONS/,
      );
    }
    expect(() => configWith({ PICSTACK_EMBEDDING_PROVIDER: "basic" })).toThrow(/PICSTACK_EMBEDDING_PROVIDER/);
  });
});

describe("chooseEmbeddingProvider", () => {
  it("is openai with the configured model and dimensions when a key is there, and none without one", async () => {
    // Prepare
    const withKey = configWith({ OPENAI_API_KEY: "k", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
    // Act
    const chosen = await chooseEmbeddingProvider(withKey);
    const without = await chooseEmbeddingProvider(configWith({}));
    // Assess
    expect([chosen?.model, chosen?.dimensions]).toEqual(["text-embedding-3-small", 256]);
    expect(without).toBeUndefined();
  });

  it("honours none even with a key, and refuses openai without one", async () => {
    expect(
      await chooseEmbeddingProvider(configWith({ OPENAI_API_KEY: "k", PICSTACK_EMBEDDING_PROVIDER: "none" })),
    ).toBeUndefined();
    await expect(
      chooseEmbeddingProvider(configWith({ PICSTACK_EMBEDDING_PROVIDER: "openai" })),
    ).rejects.toThrow(/no OpenAI API key/);
  });

  it("leaves the analysis basic when it is chosen, though a key turns embeddings on", async () => {
    // The e2e stack's settings: a key for the fake embeddings server, the analysis offline.
    const config = configWith({
      OPENAI_API_KEY: "test-key",
      PICSTACK_ANALYSIS_PROVIDER: "basic",
      PICSTACK_EMBEDDING_PROVIDER: "openai",
    });
    const { chooseProvider } = await import("../src/analysis/provider.js");
    expect((await chooseProvider(config.analysis)).name).toBe("basic");
    expect((await chooseEmbeddingProvider(config))?.model).toBe("text-embedding-3-small");
  });
});
