/**
 * The HTTP edge on the local stack: the analyze quota through API Gateway, and secrets read from the
 * emulator's Secrets Manager the way the functions read them in AWS (at cold start where the function's
 * permissions need them; a failed read is not kept).
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { emulatorClientConfig } from "@picstack/local";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api, expectError, outputs, tokenFor } from "./helpers.js";

describe("the analyze quota", () => {
  it("answers 429 with Retry-After after 10 analyze calls, without touching the user's read and write buckets", async () => {
    // Prepare
    const token = await tokenFor(`analyze-quota-${Date.now()}`);
    const missing = "/images/01m819gdvpkk9mqydbm4k3rth7";
    // Act: each call takes a token before the handler looks for the image.
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) answers.push((await api("POST", `${missing}/analyze`, { token })).status);
    const limited = await api("POST", `${missing}/analyze`, { token });
    // Assess
    expect(answers).toEqual(Array(10).fill(404));
    expectError(limited, 429, "rate_limited");
    // The sustained rate is 100 a day: the next token is minutes away.
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(60);
    expect((await api("DELETE", missing, { token })).status).toBe(404);
    expect((await api("GET", "/images?limit=1", { token })).status).toBe(200);
  });
});

describe("secrets from Secrets Manager", () => {
  const secrets = () => new SecretsManagerClient(emulatorClientConfig(outputs().endpoint));
  const suffix = Date.now().toString(36);
  const cursorSecretName = `picstack-e2e-cursor-${suffix}`;
  const openAiSecretName = `picstack-e2e-openai-${suffix}`;

  beforeAll(() => {
    const { endpoint, region } = outputs();
    Object.assign(process.env, {
      // Its permissions include the cursor secret, so its cold start reads it.
      PICSTACK_FUNCTION: "listImages",
      PICSTACK_STAGE: "e2e",
      PICSTACK_TABLE: "unused",
      PICSTACK_BUCKET: "unused",
      PICSTACK_WEB_ORIGIN: "http://web.test",
      PICSTACK_AUTH_ISSUER: "https://issuer.test",
      PICSTACK_AUTH_AUDIENCE: "aud",
      PICSTACK_AUTH_JWKS: JSON.stringify({ keys: [] }),
      PICSTACK_CURSOR_SECRET_ARN: cursorSecretName,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_MAX_ATTEMPTS: "1",
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
  });

  afterAll(async () => {
    for (const name of [cursorSecretName, openAiSecretName]) {
      await secrets()
        .send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }))
        .catch(() => {});
    }
  });

  it("fails the cold start while the cursor secret cannot be read, and the next cold start reads it", async () => {
    // Prepare: the secret does not exist yet.
    await expect(import("../../packages/functions/src/wiring.js")).rejects.toThrow();
    await secrets().send(new CreateSecretCommand({ Name: cursorSecretName, SecretString: "k".repeat(48) }));
    // Act: Lambda starts the function again on the next invocation.
    vi.resetModules();
    const { cursorCodec } = await import("../../packages/functions/src/wiring.js");
    const codec = await cursorCodec();
    // Assess
    const key = { pk: "USER#alice", sk: "IMG#1" };
    expect(codec.decode(codec.encode(key, "binding"), "binding")).toEqual(key);
  });

  it("reads the OpenAI key secret again after a failed read", async () => {
    // Prepare
    const { chooseProvider } = await import("../../packages/functions/src/analysis/provider.js");
    const analysis = {
      provider: undefined,
      openAi: {
        apiKey: undefined,
        keySecretArn: openAiSecretName,
        baseURL: undefined,
        model: "gpt-4.1-mini",
        timeoutMs: 1000,
      },
    };
    await expect(chooseProvider(analysis)).rejects.toThrow();
    await secrets().send(
      new CreateSecretCommand({ Name: openAiSecretName, SecretString: JSON.stringify({ apiKey: "sk-e2e" }) }),
    );
    // Act
    const provider = await chooseProvider(analysis);
    // Assess
    expect(provider.name).toBe("openai");
  });
});
