/** What every category gets: the running stack, clients on it, and an API caller. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { FunctionId } from "@picstack/infrastructure";
import { emulatorClientConfig, type Outputs, signDevToken } from "@picstack/local";

export interface Context {
  outputs: Outputs;
  /** The emulator's log, where the functions' output goes. */
  logFile?: string;
  home: string;
  s3: S3Client;
  sqs: SQSClient;
  lambda: LambdaClient;
  documents: DynamoDBDocumentClient;
  token(userId: string): Promise<string>;
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** How many 429s `call` has waited out so far. */
  rateLimited(): number;
  /** Sets environment variables on functions (merged over what they have); returns a restore function. */
  setEnvironment(
    ids: FunctionId[],
    variables: Record<string, string | undefined>,
  ): Promise<() => Promise<void>>;
}

export interface CallOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Sent as is. */
  body?: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export function makeContext(outputs: Outputs, home: string, logFile?: string): Context {
  const client = emulatorClientConfig(outputs.endpoint);
  const lambda = new LambdaClient(client);

  const limited = { count: 0 };

  /**
   * One request. A 429 is a correct answer to a flood, but it would hide what the request itself gets:
   * wait as `Retry-After` says and send it again (counted in `rateLimited`).
   */
  async function call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    let response = await fetch(`${outputs.apiUrl}${path}`, { method, headers, body: options.body });
    for (let attempt = 0; response.status === 429 && attempt < 20; attempt++) {
      limited.count++;
      await response.arrayBuffer();
      await new Promise((r) => setTimeout(r, Number(response.headers.get("retry-after") ?? 1) * 1000));
      response = await fetch(`${outputs.apiUrl}${path}`, { method, headers, body: options.body });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  async function setEnvironment(ids: FunctionId[], variables: Record<string, string | undefined>) {
    const originals = new Map<string, Record<string, string>>();
    for (const id of ids) {
      const name = outputs.functions[id];
      const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      const before = current.Environment?.Variables ?? {};
      originals.set(name, before);
      const next: Record<string, string> = { ...before };
      for (const [k, v] of Object.entries(variables)) {
        if (v === undefined) delete next[k];
        else next[k] = v;
      }
      await update(name, next);
    }
    return async () => {
      for (const [name, before] of originals) await update(name, before);
    };
  }

  async function update(name: string, variables: Record<string, string>) {
    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: variables } }),
    );
    await waitUntilFunctionUpdatedV2(
      { client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
      { FunctionName: name },
    );
  }

  return {
    outputs,
    home,
    ...(logFile ? { logFile } : {}),
    s3: new S3Client({ ...client, forcePathStyle: true }),
    sqs: new SQSClient(client),
    lambda,
    documents: DynamoDBDocumentClient.from(new DynamoDBClient(client)),
    token: (userId) => signDevToken(userId, { home }),
    call,
    rateLimited: () => limited.count,
    setEnvironment,
  };
}

/** An answer that is a 4xx with the contract's JSON error body; returns its code. */
export function expectJsonError(answer: Answer, statuses?: number[]): string {
  const body = answer.json as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = body?.error?.code;
  if (answer.status < 400 || answer.status >= 500) {
    throw new Error(`HTTP ${answer.status}, not a 4xx: ${answer.text.slice(0, 160)}`);
  }
  if (statuses && !statuses.includes(answer.status)) {
    throw new Error(`HTTP ${answer.status}, expected ${statuses.join(" or ")}: ${answer.text.slice(0, 160)}`);
  }
  if (
    typeof code !== "string" ||
    !/^[a-z][a-z0-9_]*$/.test(code) ||
    typeof body?.error?.message !== "string"
  ) {
    throw new Error(`HTTP ${answer.status} without a JSON error code: ${answer.text.slice(0, 160)}`);
  }
  if (!answer.headers.get("content-type")?.includes("application/json")) {
    throw new Error(`HTTP ${answer.status} with Content-Type ${answer.headers.get("content-type")}`);
  }
  return `${answer.status} ${code}`;
}
