/**
 * Deploy-time settings shared by the stacks, read from the environment of `sst deploy` and checked
 * before anything is built: a bad value fails the synth with a message naming the variable.
 */
import { capacity, LOCAL_STAGE } from "@picstack/infrastructure";
import type { App } from "sst/constructs";

/** The variables the stacks read at synth. */
export const deployEnv = {
  /** The web gallery's origin: the only origin the API, the bucket and Cognito's redirects allow. */
  webOrigin: "PICSTACK_WEB_ORIGIN",
  /** Names the one stage whose data `sst remove` may delete; every other stage keeps it. */
  disposableStage: "PICSTACK_DISPOSABLE_STAGE",
  apiRateLimit: "PICSTACK_API_RATE_LIMIT",
  apiBurstLimit: "PICSTACK_API_BURST_LIMIT",
  workerReservedConcurrency: "PICSTACK_WORKER_RESERVED_CONCURRENCY",
  workerMaxConcurrency: "PICSTACK_WORKER_MAX_CONCURRENCY",
} as const;

/** What the local stage's web client runs on (`npm run dev` in packages/web). */
export const LOCAL_WEB_ORIGIN = "http://localhost:5173";

/**
 * The web client's origin. Required for every stage but the local one: a silent localhost default would
 * deploy an API and a bucket that no deployed gallery can call. `sst remove` synthesizes too, but deploys
 * nothing, so it does not need the variable.
 */
export function webOrigin(app: Pick<App, "stage" | "mode">): string {
  const value = process.env[deployEnv.webOrigin];
  if (value === undefined || value === "") {
    if (app.stage === LOCAL_STAGE || app.mode === "remove") return LOCAL_WEB_ORIGIN;
    throw new Error(
      `${deployEnv.webOrigin} must be set to deploy the stage "${app.stage}": the origin the web gallery ` +
        "is served from (e.g. https://photos.example.com, or the WebUrl output of an earlier deploy; " +
        `before that address is known, ${LOCAL_WEB_ORIGIN} for the gallery run locally), the only origin ` +
        `the API, the bucket and Cognito accept. Only the "${LOCAL_STAGE}" stage defaults to it.`,
    );
  }
  return parseOrigin(value);
}

/** An origin as browsers send it (scheme, host, optional port; no path, no trailing slash): CORS compares strings. */
export function parseOrigin(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const problem = `${deployEnv.webOrigin} must be an origin, scheme://host[:port] with http or https and no path`;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new Error(`${problem}; got ${JSON.stringify(value)}`);
  }
  if (url.origin !== value) {
    throw new Error(`${problem}; got ${JSON.stringify(value)}, did you mean ${JSON.stringify(url.origin)}?`);
  }
  return value;
}

/**
 * Whether removing the stage may delete its data (bucket, table, secrets, user pool). No stage may by
 * default, whatever its name: "prd" or "live" are as precious as "prod". A deploy marks its stage
 * disposable by naming it, `PICSTACK_DISPOSABLE_STAGE=<stage>`, rather than with a yes/no flag: a flag
 * left set in a shell or a CI job would make the next production deploy disposable, while a name only
 * ever matches the stage it was meant for, and a mismatch stops the deploy. The marker must be present
 * at the deploy: CloudFormation removes a stack by the policies it was deployed with.
 */
export function isDisposable(app: Pick<App, "stage" | "mode">): boolean {
  const named = process.env[deployEnv.disposableStage];
  if (named === undefined || named === "") return false;
  if (named === app.stage) return true;
  if (app.mode === "remove") return false;
  throw new Error(
    `${deployEnv.disposableStage} is ${JSON.stringify(named)} but the stage is "${app.stage}": set it to ` +
      "the stage's name to let `sst remove` delete that stage's data, or unset it to keep the data.",
  );
}

/** The REST API stage's throttle, from the declaration unless overridden. */
export function apiThrottle(): { rateLimit: number; burstLimit: number } {
  return {
    rateLimit: positiveNumber(deployEnv.apiRateLimit, capacity.apiThrottle.rateLimit),
    burstLimit: wholeNumber(deployEnv.apiBurstLimit, capacity.apiThrottle.burstLimit, 1),
  };
}

/** The SQS event source mapping's concurrency bounds (AWS's range for `MaximumConcurrency`). */
const MAPPING_CONCURRENCY = { min: 2, max: 1000 };

/**
 * Concurrency for the queue consumer: `reserved` executions (undefined for none) and the event source
 * mapping's `maximum`. Without an explicit maximum, the declared one, lowered to the reservation.
 */
export function workerConcurrency(): { reserved: number | undefined; maximum: number } {
  const reserved = wholeNumber(deployEnv.workerReservedConcurrency, capacity.worker.reserved, 0);
  const explicit = process.env[deployEnv.workerMaxConcurrency];
  const maximum =
    explicit !== undefined && explicit !== ""
      ? wholeNumber(deployEnv.workerMaxConcurrency, capacity.worker.maximum, MAPPING_CONCURRENCY.min)
      : reserved > 0
        ? Math.min(capacity.worker.maximum, reserved)
        : capacity.worker.maximum;
  if (maximum < MAPPING_CONCURRENCY.min || maximum > MAPPING_CONCURRENCY.max) {
    throw new Error(
      `The worker's maximum concurrency must be ${MAPPING_CONCURRENCY.min}–${MAPPING_CONCURRENCY.max} ` +
        `(an SQS event source mapping's range), got ${maximum}: set ${deployEnv.workerMaxConcurrency}, or ` +
        `reserve at least ${MAPPING_CONCURRENCY.min} (${deployEnv.workerReservedConcurrency}) or none (0)`,
    );
  }
  if (reserved > 0 && maximum > reserved) {
    throw new Error(
      `${deployEnv.workerMaxConcurrency} (${maximum}) must not exceed ` +
        `${deployEnv.workerReservedConcurrency} (${reserved}): the queue would be polled faster than the ` +
        "function may run, and throttled deliveries count towards the dead-letter queue",
    );
  }
  return { reserved: reserved > 0 ? reserved : undefined, maximum };
}

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(value > 0)) {
    throw new Error(`${name} must be a number above 0, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function wholeNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || !Number.isSafeInteger(value)) {
    throw new Error(`${name} must be a whole number of at least ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
