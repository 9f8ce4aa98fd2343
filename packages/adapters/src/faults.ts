/**
 * Fault injection for the reliability suite (`npm run test:reliability`), enabled only by the test-only
 * setting PICSTACK_TEST_FAULTS, which the stacks never set.
 *
 * Faults are injected inside the AWS SDK's retry loop, so they look to our code exactly like the real
 * thing: a throttled DynamoDB call or a 503 from S3 is retried by the SDK with backoff, and when the
 * retries run out the error reaches the pipeline, which retries the message.
 */
import { closeSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface FaultPlan {
  /** Probability that one S3 GetObject attempt fails with a retryable `503 SlowDown`. */
  storageReadErrorRate?: number;
  /** Probability that one DynamoDB call attempt is throttled (`ProvisionedThroughputExceededException`). */
  dbThrottleRate?: number;
  /**
   * Kill the worker process (SIGKILL, as an out-of-memory kill or a crashed host would) right after it
   * read an original of exactly this many bytes, once per original.
   */
  killWorkerOnOriginalBytes?: number;
  /** Like `killWorkerOnOriginalBytes`, on every read: a file that kills its worker each time. */
  killWorkerAlwaysOnOriginalBytes?: number;
}

const KEYS = new Set([
  "storageReadErrorRate",
  "dbThrottleRate",
  "killWorkerOnOriginalBytes",
  "killWorkerAlwaysOnOriginalBytes",
]);

export function parseFaultPlan(text: string): FaultPlan {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error("must be an object");
  for (const [key, value] of Object.entries(parsed)) {
    if (!KEYS.has(key)) throw new Error(`unknown fault ${key}`);
    if (typeof value !== "number" || value < 0) throw new Error(`${key} must be a non-negative number`);
    if (key.endsWith("Rate") && value > 1) throw new Error(`${key} must be at most 1`);
  }
  return parsed as FaultPlan;
}

/** The part of an SDK client's middleware stack used here. */
interface MiddlewareStackLike {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<unknown>,
    options: { step: "finalizeRequest"; priority: "low"; name: string },
  ): void;
}

class InjectedFault extends Error {
  readonly $metadata: { httpStatusCode: number };
  readonly $fault: "client" | "server";
  readonly $retryable: { throttling: boolean };

  constructor(name: string, status: number, throttling: boolean) {
    super(`Injected fault: ${name}`);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
    this.$fault = status >= 500 ? "server" : "client";
    this.$retryable = { throttling };
  }
}

/** Makes a share of a client's calls fail before they are sent, inside the SDK's retry loop. */
export function injectSdkFaults(
  client: S3Client | DynamoDBDocumentClient,
  options: { rate: number; commands?: string[]; error: () => Error },
): void {
  if (options.rate <= 0) return;
  (client.middlewareStack as unknown as MiddlewareStackLike).add(
    (next, context) => async (args) => {
      const applies = !options.commands || options.commands.includes(context.commandName ?? "");
      if (applies && Math.random() < options.rate) {
        const error = options.error();
        // One line per injected fault, so the suite can count what it caused.
        console.warn(
          JSON.stringify({
            level: "WARN",
            message: "picstack injected fault",
            fault: error.name,
            command: context.commandName,
          }),
        );
        throw error;
      }
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "picstackInjectedFaults" },
  );
}

export const throttled = () => new InjectedFault("ProvisionedThroughputExceededException", 400, true);
export const slowDown = () => new InjectedFault("SlowDown", 503, false);

/** Kills this process the first time an original of `bytes` bytes under `key` is read (see FaultPlan). */
export function maybeKillWorker(plan: FaultPlan | undefined, key: string, bytes: number): void {
  if (plan?.killWorkerAlwaysOnOriginalBytes && bytes === plan.killWorkerAlwaysOnOriginalBytes) {
    process.kill(process.pid, "SIGKILL");
  }
  if (!plan?.killWorkerOnOriginalBytes || bytes !== plan.killWorkerOnOriginalBytes) return;
  // A marker file survives the kill, so the retried message is processed normally.
  const marker = join(tmpdir(), `picstack-killed-${key.replace(/[^A-Za-z0-9]/g, "_")}`);
  try {
    closeSync(openSync(marker, "wx"));
  } catch {
    return;
  }
  process.kill(process.pid, "SIGKILL");
}
