/**
 * The openai provider on the local stack, against a fake OpenAI-compatible server started here: the
 * analysis worker is switched to it for this file only, and switched back afterwards. Nothing reaches
 * the internet.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  GetFunctionConfigurationCommand,
  type LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  expectError,
  lambda as lambdaClient,
  outputs,
  photoJpeg,
  tokenFor,
  waitForStatus,
} from "./helpers.js";

let server: Server;
let mode: "valid" | "500" | "slow" | "huge" = "valid";
/** How long the "slow" fake takes to answer: longer than any invocation. */
const SLOW_MS = 120_000;
const seen: Array<{ model: string; imageUrl: string; maxTokens?: number }> = [];
let lambda: LambdaClient;
let original: Record<string, string> = {};

function completion() {
  const content = JSON.stringify(
    mode === "huge"
      ? {
          description: "A very long description. ".repeat(400),
          tags: Array.from({ length: 50 }, (_, i) => `ai tag ${i}`),
          text: "TEXT ".repeat(20_000),
        }
      : { description: "A test card in warm colours.", tags: ["Test Card", "warm"], text: "PICSTACK" },
  );
  return {
    id: "chatcmpl-e2e",
    object: "chat.completion",
    created: 0,
    model: "fake-vision",
    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content, refusal: null } }],
    usage: { prompt_tokens: 250, completion_tokens: 30, total_tokens: 280 },
  };
}

async function setWorkerEnvironment(variables: Record<string, string>, timeout?: number) {
  const name = outputs().functions.processUpload;
  await lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: name,
      Environment: { Variables: variables },
      ...(timeout ? { Timeout: timeout } : {}),
    }),
  );
  await waitUntilFunctionUpdatedV2(
    { client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
    { FunctionName: name },
  );
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    req.socket.setTimeout(0);
    let body = "";
    for await (const chunk of req) body += chunk;
    const request = JSON.parse(body);
    const image = request.messages?.[0]?.content?.find((p: { type: string }) => p.type === "image_url");
    seen.push({
      model: request.model,
      imageUrl: image?.image_url?.url ?? "",
      maxTokens: request.max_completion_tokens,
    });
    if (mode === "slow") await new Promise((r) => setTimeout(r, SLOW_MS));
    const status = mode === "500" ? 500 : 200;
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(
      JSON.stringify(
        status === 200
          ? completion()
          : { error: { message: "Incorrect API key provided: sk-test-***-fake. fake outage" } },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const o = outputs();
  lambda = lambdaClient();
  const current = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: o.functions.processUpload }),
  );
  original = current.Environment?.Variables ?? {};
  await setWorkerEnvironment({
    ...original,
    PICSTACK_ANALYSIS_PROVIDER: "openai",
    OPENAI_API_KEY: "test-key-for-the-fake-server",
    OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
    PICSTACK_OPENAI_MODEL: "fake-vision",
    PICSTACK_OPENAI_TIMEOUT_MS: "3000",
    // This fake serves chat completions only; embeddings are tested against test/fake-openai.ts.
    PICSTACK_EMBEDDING_PROVIDER: "none",
  });
});

afterAll(async () => {
  await setWorkerEnvironment(original);
  // The slow fake may still hold a request open.
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("openai provider on the local stack", () => {
  it("sends a 512 px WebP rendition of the preview, never the original, and stores the structured answer with token usage", async () => {
    // Prepare
    const token = await tokenFor(`ai-${Date.now()}`);
    const jpeg = await photoJpeg(2000, 1500);
    const created = await api<{
      image: { id: string };
      upload: { url: string; headers: Record<string, string> };
    }>("POST", "/images", {
      token,
      body: { filename: "card.jpg", contentType: "image/jpeg", size: jpeg.byteLength, tags: ["mine"] },
    });
    // Act
    await fetch(created.body.upload.url, { method: "PUT", headers: created.body.upload.headers, body: jpeg });
    const image = await waitForStatus(token, created.body.image.id, ["ready", "failed"]);
    // Assess
    expect(image.analysis).toEqual({
      status: "done",
      provider: "openai",
      model: "fake-vision",
      description: "A test card in warm colours.",
      tags: ["test card", "warm"],
      text: "PICSTACK",
      usage: { inputTokens: 250, outputTokens: 30 },
    });
    expect(image.tags).toEqual(["mine", "test card", "warm"]);
    const sent = seen.at(-1);
    expect(sent?.model).toBe("fake-vision");
    expect(sent?.imageUrl.startsWith("data:image/webp;base64,")).toBe(true);
    const preview = await sharp(Buffer.from(sent?.imageUrl.split(",")[1] ?? "", "base64")).metadata();
    expect([preview.format, preview.width, preview.height]).toEqual(["webp", 512, 384]);
    const tagged = await api<{ items: Array<{ id: string }> }>("GET", "/images?tag=warm", { token });
    expect(tagged.body.items.map((i) => i.id)).toEqual([created.body.image.id]);
  });

  it("keeps the image ready when the provider fails, and analyze runs it again", async () => {
    // Prepare
    const token = await tokenFor(`ai-fail-${Date.now()}`);
    const jpeg = await photoJpeg(320, 240);
    mode = "500";
    const created = await api<{
      image: { id: string };
      upload: { url: string; headers: Record<string, string> };
    }>("POST", "/images", {
      token,
      body: { filename: "x.jpg", contentType: "image/jpeg", size: jpeg.byteLength },
    });
    await fetch(created.body.upload.url, { method: "PUT", headers: created.body.upload.headers, body: jpeg });
    const failed = await waitForStatus(token, created.body.image.id, ["ready", "failed"], 90_000);
    expect(failed.status).toBe("ready");
    expect(failed.analysis).toMatchObject({
      status: "failed",
      provider: "openai",
      error: { code: "analysis_provider_error", message: expect.any(String) },
    });
    // The provider's text (it quoted the key) stays in the logs.
    expect(JSON.stringify(failed)).not.toMatch(/sk-|fake outage/);

    // Act
    mode = "valid";
    const requested = await api("POST", `/images/${created.body.image.id}/analyze`, { token });

    // Assess
    expect(requested.status).toBe(202);
    // waitForStatus waits out a pending analysis of a ready image.
    const { analysis } = await waitForStatus(token, created.body.image.id, ["ready"]);
    expect(analysis).toMatchObject({ status: "done", provider: "openai", tags: ["test card", "warm"] });
    expectError(
      await api("POST", "/images/01m819gdvpkk9mqydbm4k3rth7/analyze", { token }),
      404,
      "image_not_found",
    );
  });

  it("caps a runaway answer: output tokens asked for, text at 2 KB, AI tags, merged tags at 20", async () => {
    // Prepare
    const token = await tokenFor(`ai-huge-${Date.now()}`);
    const jpeg = await photoJpeg(320, 240);
    const userTags = Array.from({ length: 15 }, (_, i) => `mine ${i}`);
    mode = "huge";
    const created = await api<{
      image: { id: string };
      upload: { url: string; headers: Record<string, string> };
    }>("POST", "/images", {
      token,
      body: { filename: "huge.jpg", contentType: "image/jpeg", size: jpeg.byteLength, tags: userTags },
    });
    // Act
    await fetch(created.body.upload.url, { method: "PUT", headers: created.body.upload.headers, body: jpeg });
    const image = await waitForStatus(token, created.body.image.id, ["ready", "failed"], 90_000);
    mode = "valid";
    // Assess
    const analysis = image.analysis as { status: string; text: string; description: string; tags: string[] };
    expect(analysis.status).toBe("done");
    expect(seen.at(-1)?.maxTokens).toBeGreaterThan(0);
    expect(Buffer.byteLength(analysis.text)).toBeLessThanOrEqual(2048);
    expect(analysis.description.length).toBeLessThanOrEqual(300);
    expect(analysis.tags).toHaveLength(10);
    expect(image.tags).toHaveLength(20);
    expect((image.tags as string[]).slice(0, 15)).toEqual(userTags);
  });

  it("ends an analysis that outlives the invocation as analysis_timeout; analyze retries it, once at a time", async () => {
    // Prepare: a 20 s invocation and a provider that answers after two minutes (each attempt may take
    // 30 s, with retries: far more than the invocation has).
    const token = await tokenFor(`ai-slow-${Date.now()}`);
    const jpeg = await photoJpeg(320, 240);
    const current = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: outputs().functions.processUpload }),
    );
    const variables = current.Environment?.Variables ?? {};
    await setWorkerEnvironment({ ...variables, PICSTACK_OPENAI_TIMEOUT_MS: "30000" }, 20);
    mode = "slow";
    try {
      const created = await api<{
        image: { id: string };
        upload: { url: string; headers: Record<string, string> };
      }>("POST", "/images", {
        token,
        body: { filename: "slow.jpg", contentType: "image/jpeg", size: jpeg.byteLength },
      });
      const started = Date.now();
      // Act
      await fetch(created.body.upload.url, {
        method: "PUT",
        headers: created.body.upload.headers,
        body: jpeg,
      });
      const image = await waitForStatus(token, created.body.image.id, ["ready", "failed"], 60_000);
      // Assess
      expect(image.status).toBe("ready");
      expect(image.analysis).toMatchObject({ status: "failed", error: { code: "analysis_timeout" } });
      expect(Date.now() - started).toBeLessThan(40_000);

      // Act: retry while the provider is still slow, and ask again while that one is pending.
      const retried = await api("POST", `/images/${created.body.image.id}/analyze`, { token });
      const repeated = await api("POST", `/images/${created.body.image.id}/analyze`, { token });
      // Assess
      expect(retried.status).toBe(202);
      expectError(repeated, 409, "analysis_pending");
      mode = "valid";
      const again = await waitForStatus(token, created.body.image.id, ["ready"], 60_000);
      expect((again.analysis as { status: string }).status).toMatch(/^(done|failed)$/);
      expect(await api("POST", `/images/${created.body.image.id}/analyze`, { token })).toMatchObject({
        status: 202,
      });
      const done = await waitForStatus(token, created.body.image.id, ["ready"], 60_000);
      expect(done.analysis).toMatchObject({ status: "done", tags: ["test card", "warm"] });
    } finally {
      mode = "valid";
      await setWorkerEnvironment(variables, 60);
    }
  });
});
