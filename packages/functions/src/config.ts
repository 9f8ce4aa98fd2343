/**
 * Function configuration, read and validated once at cold start. A missing or malformed variable
 * fails the cold start with a message naming it, not the first request.
 *
 * `Config` is what the schema makes of the environment, so the type cannot drift from the checks. Which
 * settings a function must have follows from its declared permissions (infrastructure/picstack.ts):
 * the stacks tell each function its id (PICSTACK_FUNCTION), and a function allowed to send to the queue
 * cannot start without the queue's URL, one allowed to read the cursor secret without that secret.
 */

import {
  DEFAULT_EMBEDDING_DIMENSIONS,
  DEFAULT_EMBEDDING_MODEL,
  DEFAULT_OPENAI_MODEL,
  MAX_EMBEDDING_DIMENSIONS,
} from "@picstack/adapters";
import { DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_RATE_LIMITS } from "@picstack/core";
import {
  env,
  type FunctionId,
  type FunctionPermissions,
  functions,
  testSettings,
} from "@picstack/infrastructure";
import * as z from "zod";
import { testHooks } from "./test-hooks.js";

const bool = z.enum(["true", "false"]).transform((v) => v === "true");

function parseJson(text: string, ctx: z.RefinementCtx): unknown {
  try {
    return JSON.parse(text);
  } catch {
    ctx.addIssue({ code: "custom", message: "is not JSON" });
    return z.NEVER;
  }
}

/** A variable holding JSON of `shape`. */
const json = <T extends z.ZodType>(shape: T) => z.string().transform(parseJson).pipe(shape);

/** Widened to the declaration's interface, so a permission one function lacks reads as undefined. */
const permissionsOf = (id: FunctionId): FunctionPermissions => functions[id].permissions;

const isFunctionId = (id: string): id is FunctionId => Object.hasOwn(functions, id);

const functionId = z.string().transform((id, ctx): FunctionId => {
  if (isFunctionId(id)) return id;
  ctx.addIssue({
    code: "custom",
    message: `is not a function of the declaration (${Object.keys(functions).join(", ")})`,
  });
  return z.NEVER;
});

/** One route class's bucket in `PICSTACK_RATE_LIMITS`, e.g. `{"analyze":{"capacity":5,"refillPerSecond":0.01}}`. */
const bucketPolicy = z
  .strictObject({ capacity: z.number().positive(), refillPerSecond: z.number().positive() })
  .optional();

/**
 * Settings a declared permission cannot work without: one of `anyOf` must be set. The queue URL for
 * `queue: "send"` and `"inspect"` (`consume` is the event source mapping's); the cursor secret (its ARN,
 * or locally its value), which is then read at cold start (wiring.ts); the OpenAI key (its secret's ARN,
 * or locally the key).
 */
const NEEDED: ReadonlyArray<{
  permission: string;
  given: (p: FunctionPermissions) => boolean;
  anyOf: readonly [string, ...string[]];
}> = [
  { permission: "queue send", given: (p) => p.queue === "send", anyOf: [env.queueUrl] },
  { permission: "queue inspect", given: (p) => p.queue === "inspect", anyOf: [env.queueUrl] },
  {
    permission: "cursorSecret",
    given: (p) => p.cursorSecret === true,
    anyOf: [env.cursorSecretArn, env.cursorSecret],
  },
  {
    permission: "openAiKey",
    given: (p) => p.openAiKey === true,
    anyOf: [env.openAiKeySecretArn, env.openAiApiKey],
  },
];

const variables = z
  .object({
    [env.function]: functionId,
    [env.stage]: z.string().min(1),
    [env.table]: z.string().min(1),
    [env.bucket]: z.string().min(1),
    [env.queueUrl]: z.url().optional(),
    [env.webOrigin]: z.url(),
    [env.authIssuer]: z.string().min(1),
    [env.authAudience]: z.string().min(1),
    [env.authJwksUrl]: z.url().optional(),
    [env.authJwks]: json(z.object({ keys: z.array(z.record(z.string(), z.unknown())) })).optional(),
    [env.maxUploadBytes]: z.coerce.number().int().positive().default(DEFAULT_MAX_UPLOAD_BYTES),
    [env.uploadTtlSeconds]: z.coerce.number().int().min(1).max(900).default(600),
    [env.retentionDays]: z.coerce.number().min(0).max(365).default(7),
    [env.cursorSecretArn]: z.string().min(1).optional(),
    [env.cursorSecret]: z.string().min(32).optional(),
    [env.analysisProvider]: z.enum(["basic", "openai"]).optional(),
    [env.openAiKeySecretArn]: z.string().min(1).optional(),
    [env.openAiApiKey]: z.string().min(1).optional(),
    [env.openAiBaseUrl]: z.url().optional(),
    [env.openAiModel]: z.string().min(1).default(DEFAULT_OPENAI_MODEL),
    [env.openAiTimeoutMs]: z.coerce.number().int().positive().default(30_000),
    [env.embeddingProvider]: z.enum(["openai", "none"]).optional(),
    [env.embeddingModel]: z.string().min(1).default(DEFAULT_EMBEDDING_MODEL),
    [env.embeddingDimensions]: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_EMBEDDING_DIMENSIONS)
      .default(DEFAULT_EMBEDDING_DIMENSIONS),
    [env.rateLimits]: json(
      z.strictObject({ read: bucketPolicy, write: bucketPolicy, analyze: bucketPolicy }),
    ).optional(),
    [env.s3PublicEndpoint]: z.url().optional(),
    [env.s3ForcePathStyle]: bool.default(false),
  })
  .superRefine((e, ctx) => {
    if (!e[env.authJwksUrl] && !e[env.authJwks]) {
      ctx.addIssue({ code: "custom", message: `one of ${env.authJwksUrl} or ${env.authJwks} is required` });
    }
    const id = e[env.function];
    const permissions = permissionsOf(id);
    const set = new Map(Object.entries(e));
    for (const { permission, given, anyOf } of NEEDED) {
      if (!given(permissions) || anyOf.some((name) => set.get(name) !== undefined)) continue;
      const [first, ...others] = anyOf;
      ctx.addIssue({
        code: "custom",
        path: [first],
        message: `required${others.length ? ` (or ${others.join(", ")})` : ""}, as ${id}'s permissions include ${permission}`,
      });
    }
  });

/** The environment a function is given, and the configuration it makes. */
export const configSchema = variables.transform((e) => ({
  function: e[env.function],
  permissions: permissionsOf(e[env.function]),
  stage: e[env.stage],
  table: e[env.table],
  bucket: e[env.bucket],
  queueUrl: e[env.queueUrl],
  webOrigin: e[env.webOrigin],
  auth: {
    issuer: e[env.authIssuer],
    audience: e[env.authAudience],
    jwksUrl: e[env.authJwksUrl],
    jwks: e[env.authJwks],
  },
  maxUploadBytes: e[env.maxUploadBytes],
  retentionDays: e[env.retentionDays],
  rateLimits: { ...DEFAULT_RATE_LIMITS, ...e[env.rateLimits] },
  cursorSecret: { arn: e[env.cursorSecretArn], value: e[env.cursorSecret] },
  analysis: {
    provider: e[env.analysisProvider],
    openAi: {
      apiKey: e[env.openAiApiKey],
      keySecretArn: e[env.openAiKeySecretArn],
      baseURL: e[env.openAiBaseUrl],
      model: e[env.openAiModel],
      timeoutMs: e[env.openAiTimeoutMs],
    },
  },
  /** Who embeds analysis text and queries; without a choice, `openai` when the OpenAI key is configured. */
  embeddings: {
    provider: e[env.embeddingProvider],
    model: e[env.embeddingModel],
    dimensions: e[env.embeddingDimensions],
  },
  s3: { publicEndpoint: e[env.s3PublicEndpoint], forcePathStyle: e[env.s3ForcePathStyle] },
  uploadTtlSeconds: e[env.uploadTtlSeconds],
  downloadTtlSeconds: 5 * 60,
}));

export type Config = z.output<typeof configSchema>;

/**
 * Test-only settings present in `source` that nothing here reads: only the test hooks a test stack
 * preloads (test-hooks.ts) read them, so without those hooks a function refuses them rather than run
 * as if it had been asked for nothing.
 */
function refusedTestSettings(source: NodeJS.ProcessEnv): string[] {
  if (testHooks()) return [];
  return Object.values(testSettings)
    .filter((name) => source[name] !== undefined)
    .map((name) => `${name}: a test-only setting, and no test hooks are loaded: this function refuses it`);
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(source);
  const problems = [
    ...refusedTestSettings(source),
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`)),
  ];
  if (problems.length > 0 || !parsed.success) {
    throw new Error(`Invalid function configuration: ${problems.join("; ")}`);
  }
  return parsed.data;
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use (at module load of each handler). */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
