/**
 * The openai provider against a fake OpenAI-compatible server started by the test: the real SDK, its
 * retries and timeouts, and our schema validation. Nothing reaches the internet.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OpenAiAnalysisProvider } from "../src/openai-analysis.provider.js";
import { SharpImageProcessor } from "../src/sharp-image.processor.js";

type Mode = "valid" | "429-then-valid" | "500" | "slow" | "malformed";

let server: Server;
let baseURL: string;
let mode: Mode = "valid";
let requests: Array<{ path: string; body: Record<string, unknown>; auth: string | undefined }> = [];

function completion(content: string) {
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 0,
    model: "fake-vision",
    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content, refusal: null } }],
    usage: { prompt_tokens: 321, completion_tokens: 45, total_tokens: 366 },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req));
    requests.push({ path: req.url ?? "", body, auth: req.headers.authorization });
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(JSON.stringify(payload));
    };
    const good = JSON.stringify({ description: "A cat on a sofa.", tags: ["Cat", "sofa"], text: "" });
    if (mode === "429-then-valid" && requests.length === 1) {
      return reply(429, { error: { message: "slow down" } }, { "retry-after-ms": "10" });
    }
    if (mode === "500") {
      return reply(500, { error: { message: "Incorrect API key provided: sk-test-***-key. boom" } });
    }
    if (mode === "slow") return setTimeout(() => reply(200, completion(good)), 1500);
    if (mode === "malformed") return reply(200, completion("{ this is not json"));
    return reply(200, completion(good));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  requests = [];
  mode = "valid";
});

const features = { width: 1024, height: 768, format: "jpeg", hasAlpha: false, pages: 1 };
const preview = new Uint8Array([82, 73, 70, 70, 0, 0, 0, 0, 87, 69, 66, 80]);

function provider(overrides: Partial<ConstructorParameters<typeof OpenAiAnalysisProvider>[0]> = {}) {
  return new OpenAiAnalysisProvider({
    apiKey: "sk-test-not-a-real-key",
    model: "fake-vision",
    baseURL,
    timeoutMs: 5000,
    maxRetries: 2,
    ...overrides,
  });
}

describe("OpenAiAnalysisProvider", () => {
  it("sends the preview as a WebP data URL with a JSON schema and returns the validated answer", async () => {
    const result = await provider().analyze(preview, features);

    expect(result).toEqual({
      description: "A cat on a sofa.",
      tags: ["Cat", "sofa"],
      usage: { inputTokens: 321, outputTokens: 45 },
    });
    const [request] = requests;
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.auth).toBe("Bearer sk-test-not-a-real-key");
    expect(request?.body.model).toBe("fake-vision");
    expect(JSON.stringify(request?.body.messages)).toContain("data:image/webp;base64,UklGRgAAAABXRUJQ");
    expect(request?.body.response_format).toMatchObject({
      type: "json_schema",
      json_schema: { strict: true },
    });
  });

  it("sends the smaller rendition that prepareImage makes, not the preview", async () => {
    // Prepare
    const processor = new SharpImageProcessor();
    const big = await sharp({ create: { width: 1024, height: 768, channels: 3, background: "#468" } })
      .webp()
      .toBuffer();

    // Act
    await provider({ prepareImage: (p) => processor.analysisRendition(p) }).analyze(big, features);

    // Assess
    const messages = JSON.stringify(requests[0]?.body.messages);
    const base64 = /data:image\/webp;base64,([A-Za-z0-9+/=]+)/.exec(messages)?.[1] ?? "";
    const sent = await sharp(Buffer.from(base64, "base64")).metadata();
    expect([sent.format, sent.width, sent.height]).toEqual(["webp", 512, 384]);
  });

  it("retries a 429 and then succeeds", async () => {
    mode = "429-then-valid";
    await expect(provider().analyze(preview, features)).resolves.toMatchObject({ tags: ["Cat", "sofa"] });
    expect(requests).toHaveLength(2);
  });

  it("gives up on repeated 500s after its retries", async () => {
    mode = "500";
    await expect(provider({ maxRetries: 1 }).analyze(preview, features)).rejects.toThrow();
    expect(requests).toHaveLength(2);
  });

  it("times out a slow server as a timeout failure", async () => {
    mode = "slow";
    await expect(
      provider({ timeoutMs: 200, maxRetries: 0 }).analyze(preview, features),
    ).rejects.toMatchObject({
      name: "AnalysisFailure",
      kind: "timeout",
    });
  });

  it("ends every attempt and retry by the caller's deadline", async () => {
    // Prepare: each attempt could take 5 s and there are four of them; the deadline leaves 800 ms.
    mode = "slow";
    const started = Date.now();
    // Act
    const result = provider({ timeoutMs: 5000, maxRetries: 3 }).analyze(preview, features, {
      deadline: started + 800,
    });
    // Assess
    await expect(result).rejects.toMatchObject({ kind: "timeout" });
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it("starts no attempt when the deadline has passed", async () => {
    await expect(provider().analyze(preview, features, { deadline: Date.now() - 1 })).rejects.toMatchObject({
      kind: "timeout",
    });
    expect(requests).toHaveLength(0);
  });

  it("stops when the caller's signal aborts", async () => {
    mode = "slow";
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(provider().analyze(preview, features, { signal: controller.signal })).rejects.toMatchObject({
      kind: "timeout",
    });
  });

  it("caps the answer's length with max_completion_tokens", async () => {
    await provider().analyze(preview, features);
    expect(requests[0]?.body.max_completion_tokens).toBe(600);
  });

  it("reports a provider error without the provider's text, which can quote the key", async () => {
    mode = "500";
    const error = (await provider({ maxRetries: 0 })
      .analyze(preview, features)
      .catch((e: unknown) => e)) as Error & { kind: string };
    expect(error.kind).toBe("provider_error");
    expect(error.message).not.toMatch(/sk-|boom/);
  });

  it("refuses an answer that is not the schema's JSON as invalid output", async () => {
    mode = "malformed";
    await expect(provider().analyze(preview, features)).rejects.toMatchObject({
      kind: "invalid_output",
      message: expect.stringMatching(/did not match the analysis schema/),
    });
  });
});
