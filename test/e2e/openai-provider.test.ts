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
let mode: "valid" | "500" = "valid";
const seen: Array<{ model: string; imageUrl: string }> = [];
let lambda: LambdaClient;
let original: Record<string, string> = {};

function completion() {
  const content = JSON.stringify({
    description: "A test card in warm colours.",
    tags: ["Test Card", "warm"],
    text: "PICSTACK",
  });
  return {
    id: "chatcmpl-e2e",
    object: "chat.completion",
    created: 0,
    model: "fake-vision",
    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content, refusal: null } }],
    usage: { prompt_tokens: 250, completion_tokens: 30, total_tokens: 280 },
  };
}

async function setWorkerEnvironment(variables: Record<string, string>) {
  const name = outputs().functions.processUpload;
  await lambda.send(
    new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: variables } }),
  );
  await waitUntilFunctionUpdatedV2(
    { client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
    { FunctionName: name },
  );
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const request = JSON.parse(body);
    const image = request.messages?.[0]?.content?.find((p: { type: string }) => p.type === "image_url");
    seen.push({ model: request.model, imageUrl: image?.image_url?.url ?? "" });
    const status = mode === "500" ? 500 : 200;
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(status === 200 ? completion() : { error: { message: "fake outage" } }));
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
  });
});

afterAll(async () => {
  await setWorkerEnvironment(original);
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
      error: { code: "analysis_failed" },
    });

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
});
