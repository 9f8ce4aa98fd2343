/**
 * A fake OpenAI-compatible server for tests: `POST /v1/embeddings` answers with `fakeEmbedding`
 * (test/fake-embeddings.ts: deterministic, synonyms close) in OpenAI's response shape, at the asked
 * `dimensions`, for an `input` string or array, as floats or base64 (`encoding_format`). It counts the
 * calls and keeps the requests, so tests can assert what was asked. Listens on 127.0.0.1 only; never
 * part of a function bundle.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fakeEmbedding } from "./fake-embeddings.js";

export interface EmbeddingRequest {
  model: string;
  input: string[];
  dimensions: number;
  encodingFormat: "float" | "base64";
  authorization: string | undefined;
}

export interface FakeOpenAi {
  /** `http://127.0.0.1:<port>/v1`: what `OPENAI_BASE_URL` is set to. */
  readonly baseURL: string;
  readonly port: number;
  /** Embedding requests answered (or refused by `failNext`), in order. */
  readonly embeddingRequests: EmbeddingRequest[];
  /** How many `/v1/embeddings` calls arrived. */
  embeddingCalls(): number;
  /** The next `count` embedding calls answer 500 with a message quoting a key (as OpenAI's do). */
  failNext(count: number): void;
  /** Answers vectors of `dimensions` whatever was asked (a server that ignores the parameter); `undefined` resets. */
  answerDimensions(dimensions: number | undefined): void;
  close(): Promise<void>;
}

/** `text-embedding-3-small`'s full length, what the server answers when no `dimensions` is asked. */
const DEFAULT_DIMENSIONS = 1536;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

const invalid = (res: ServerResponse, message: string) =>
  reply(res, 400, { error: { message, type: "invalid_request_error", param: null, code: null } });

/** Little-endian Float32, base64: OpenAI's `encoding_format: "base64"`. */
function base64Of(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => {
    bytes.writeFloatLE(value, i * 4);
  });
  return bytes.toString("base64");
}

/** Starts the server on 127.0.0.1 (`port` 0, the default, picks a free one). */
export async function startFakeOpenAi(options: { port?: number } = {}): Promise<FakeOpenAi> {
  const embeddingRequests: EmbeddingRequest[] = [];
  let calls = 0;
  let failing = 0;
  let answered: number | undefined;
  const server = createServer(async (req, res) => {
    if (req.method !== "POST" || req.url?.split("?")[0] !== "/v1/embeddings") {
      return reply(res, 404, { error: { message: `No route ${req.method} ${req.url}`, type: "not_found" } });
    }
    calls++;
    let body: Record<string, unknown>;
    try {
      body = (await readJson(req)) as Record<string, unknown>;
    } catch {
      return invalid(res, "The body is not JSON");
    }
    const { model, input, dimensions = DEFAULT_DIMENSIONS, encoding_format: format = "float" } = body;
    const texts = typeof input === "string" ? [input] : input;
    if (typeof model !== "string" || !model) return invalid(res, "model is required");
    if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === "string")) {
      return invalid(res, "input must be a string or an array of strings");
    }
    if (!Number.isInteger(dimensions) || (dimensions as number) < 1 || (dimensions as number) > 3072) {
      return invalid(res, "dimensions must be an integer from 1 to 3072");
    }
    if (format !== "float" && format !== "base64") return invalid(res, "encoding_format is float or base64");
    embeddingRequests.push({
      model,
      input: texts as string[],
      dimensions: dimensions as number,
      encodingFormat: format,
      authorization: req.headers.authorization,
    });
    if (failing > 0) {
      failing--;
      return reply(res, 500, {
        error: { message: "Incorrect API key provided: sk-fake-***-key. fake outage", type: "server_error" },
      });
    }
    const words = (texts as string[]).reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
    return reply(res, 200, {
      object: "list",
      data: (texts as string[]).map((text, index) => {
        const vector = fakeEmbedding(text, answered ?? (dimensions as number));
        return { object: "embedding", index, embedding: format === "base64" ? base64Of(vector) : vector };
      }),
      model,
      usage: { prompt_tokens: words, total_tokens: words },
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    port,
    embeddingRequests,
    embeddingCalls: () => calls,
    failNext(count: number) {
      failing = count;
    },
    answerDimensions(dimensions: number | undefined) {
      answered = dimensions;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
