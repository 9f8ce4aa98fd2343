/**
 * Fault injection for the reliability suite (`npm run test:reliability`), from the fault plan in
 * PICSTACK_TEST_FAULTS. It is test code: no function bundle contains it (a stack test checks). A local
 * test stack preloads it into its functions (preload.ts), where it reaches them through the test hooks
 * of packages/functions/src/test-hooks.ts.
 *
 * Faults are injected inside the AWS SDK's retry loop, so they look to our code exactly like the real
 * thing: a throttled DynamoDB call or a 503 from S3 is retried by the SDK with backoff, and when the
 * retries run out the error reaches the pipeline, which retries the message.
 */
import { closeSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestHooks } from "../../packages/functions/src/test-hooks.js";

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

/** The plan's fields. Also what the stack test looks for in the function bundles: fault code's marks. */
export const FAULT_KEYS = [
  "storageReadErrorRate",
  "dbThrottleRate",
  "killWorkerOnOriginalBytes",
  "killWorkerAlwaysOnOriginalBytes",
] as const satisfies ReadonlyArray<keyof FaultPlan>;

/** Logged once per injected fault, so the suite can count what it caused. */
export const INJECTED_FAULT_MESSAGE = "picstack injected fault";

const isFaultKey = (key: string): key is (typeof FAULT_KEYS)[number] =>
  (FAULT_KEYS as readonly string[]).includes(key);

export function parseFaultPlan(text: string): FaultPlan {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error("must be an object");
  const plan: FaultPlan = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!isFaultKey(key)) throw new Error(`unknown fault ${key}`);
    if (typeof value !== "number" || value < 0) throw new Error(`${key} must be a non-negative number`);
    if (key.endsWith("Rate") && value > 1) throw new Error(`${key} must be at most 1`);
    plan[key] = value;
  }
  return plan;
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

export const throttled = () => new InjectedFault("ProvisionedThroughputExceededException", 400, true);
export const slowDown = () => new InjectedFault("SlowDown", 503, false);

/** A middleware of the SDK's finalizeRequest step: it runs on every attempt, inside the retry loop. */
type Middleware = <A, R>(
  next: (args: A) => Promise<R>,
  context: { commandName?: string },
) => (args: A) => Promise<R>;

/** What any AWS SDK v3 client (of whichever version) offers to add such a middleware. */
interface SdkClient {
  middlewareStack: {
    add(middleware: Middleware, options: { step: "finalizeRequest"; priority: "low"; name: string }): void;
  };
}

/** Makes a share of a client's calls fail before they are sent, inside the SDK's retry loop. */
export function injectSdkFaults(
  client: SdkClient,
  options: { rate: number; commands?: string[]; error: () => Error },
): void {
  if (options.rate <= 0) return;
  const middleware: Middleware = (next, context) => async (args) => {
    const applies = !options.commands || options.commands.includes(context.commandName ?? "");
    if (applies && Math.random() < options.rate) {
      const error = options.error();
      console.warn(
        JSON.stringify({
          level: "WARN",
          message: INJECTED_FAULT_MESSAGE,
          fault: error.name,
          command: context.commandName,
        }),
      );
      throw error;
    }
    return next(args);
  };
  client.middlewareStack.add(middleware, {
    step: "finalizeRequest",
    priority: "low",
    name: "picstackInjectedFaults",
  });
}

/** Kills this process the first time an original of `bytes` bytes under `key` is read (see FaultPlan). */
export function maybeKillWorker(plan: FaultPlan, key: string, bytes: number): void {
  if (plan.killWorkerAlwaysOnOriginalBytes && bytes === plan.killWorkerAlwaysOnOriginalBytes) {
    process.kill(process.pid, "SIGKILL");
  }
  if (!plan.killWorkerOnOriginalBytes || bytes !== plan.killWorkerOnOriginalBytes) return;
  // A marker file survives the kill, so the retried message is processed normally.
  const marker = join(tmpdir(), `picstack-killed-${key.replace(/[^A-Za-z0-9]/g, "_")}`);
  try {
    closeSync(openSync(marker, "wx"));
  } catch {
    return;
  }
  process.kill(process.pid, "SIGKILL");
}

/** The test hooks that carry out `plan` in a function. */
export function faultHooks(plan: FaultPlan): TestHooks {
  return {
    dynamoDbClient(client) {
      injectSdkFaults(client, { rate: plan.dbThrottleRate ?? 0, error: throttled });
    },
    s3Client(client) {
      injectSdkFaults(client, {
        rate: plan.storageReadErrorRate ?? 0,
        commands: ["GetObjectCommand"],
        error: slowDown,
      });
    },
    objectStore(store) {
      if (!plan.killWorkerOnOriginalBytes && !plan.killWorkerAlwaysOnOriginalBytes) return store;
      const read = store.read.bind(store);
      store.read = async (key) => {
        const result = await read(key);
        maybeKillWorker(plan, key, result.bytes.byteLength);
        return result;
      };
      return store;
    },
  };
}
