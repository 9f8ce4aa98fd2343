import { describe, expect, it } from "vitest";
import { chooseProvider } from "../src/analysis/provider.js";

/** The analysis settings of a configuration with no key and no provider chosen. */
const openAi = {
  apiKey: undefined,
  keySecretArn: undefined,
  baseURL: undefined,
  model: "gpt-4.1-mini",
  timeoutMs: 1000,
};

describe("chooseProvider", () => {
  it("uses the offline basic provider when no API key is configured", async () => {
    const provider = await chooseProvider({ provider: undefined, openAi });
    expect(provider.name).toBe("basic");
  });

  it("uses openai with the configured model when a key is there", async () => {
    const provider = await chooseProvider({
      provider: undefined,
      openAi: { ...openAi, apiKey: "test-key", baseURL: "http://127.0.0.1:9/v1" },
    });
    expect([provider.name, provider.model]).toEqual(["openai", "gpt-4.1-mini"]);
  });

  it("honours an explicit choice of basic even with a key, and refuses openai without one", async () => {
    expect((await chooseProvider({ provider: "basic", openAi: { ...openAi, apiKey: "k" } })).name).toBe(
      "basic",
    );
    await expect(chooseProvider({ provider: "openai", openAi })).rejects.toThrow(/no API key/);
  });
});
