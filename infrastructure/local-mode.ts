/**
 * Local mode: what differs when the stacks are deployed to a local emulator (MiniStack or LocalStack),
 * as one synth-time setting that only the local stage accepts. The templates are otherwise the ones AWS
 * gets; `npm start` and the test suites write this setting (packages/local/src/deploy.ts), and the
 * stacks read it (stacks/functions.ts).
 *
 * It changes the functions' environment only: where the emulator is, the dev sign-in issuer instead of
 * Cognito, the function settings a local run may choose (the fake AI server of the tests, relaxed rate
 * limits), and for a test stack the test hooks its functions preload. A stage that is not the local one
 * refuses it, so a developer's shell that still carries it cannot turn a deployed stage's auth over to a
 * dev key, nor load test code into its functions.
 */

import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import * as z from "zod";
import { env, LOCAL_STAGE } from "./picstack.js";

/** The variable `cdk synth` reads local mode from: a JSON document of `LocalMode`'s shape. */
export const LOCAL_MODE_VARIABLE = "PICSTACK_LOCAL_MODE";

/** Function settings a local run may set (config.ts validates each at cold start). */
export const LOCAL_SETTINGS = [
  env.analysisProvider,
  env.openAiApiKey,
  env.openAiBaseUrl,
  env.openAiModel,
  env.openAiTimeoutMs,
  env.embeddingProvider,
  env.embeddingModel,
  env.embeddingDimensions,
  env.rateLimits,
  env.maxUploadBytes,
  env.uploadTtlSeconds,
  env.retentionDays,
] as const;

/** Node's own variable: `--import=<url>` loads a module before the entry point (the test hooks). */
export const NODE_OPTIONS = "NODE_OPTIONS";

const url = z.url({ protocol: /^https?$/ });

export const localModeSchema = z.strictObject({
  /** The emulator as the functions reach it: every SDK client's endpoint (`AWS_ENDPOINT_URL`). */
  awsEndpoint: url,
  /** The emulator as clients reach it, for presigned URLs (path-style: no bucket subdomains locally). */
  s3PublicEndpoint: url,
  /** The dev sign-in issuer whose tokens the API accepts instead of the user pool's. */
  auth: z.strictObject({
    issuer: z.string().min(1),
    audience: z.string().min(1),
    jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }),
  }),
  settings: z.partialRecord(z.enum(LOCAL_SETTINGS), z.string()).default({}),
  /**
   * A test stack's test hooks (packages/functions/src/test-hooks.ts): the absolute path of a bundled ES
   * module every function preloads, through NODE_OPTIONS, before its handler. The emulator must run the
   * functions on this machine (MiniStack does) for the path to mean anything.
   */
  testHooks: z
    .string()
    .refine((path) => isAbsolute(path) && path.endsWith(".mjs"), "must be the absolute path of an .mjs file")
    .optional(),
});

export type LocalMode = z.infer<typeof localModeSchema>;

/**
 * The local mode this synth runs in, or undefined for a cloud stage. Throws for a malformed value and for
 * any stage but the local one.
 */
export function localMode(stage: string): LocalMode | undefined {
  const raw = process.env[LOCAL_MODE_VARIABLE];
  if (raw === undefined || raw === "") return undefined;
  if (stage !== LOCAL_STAGE) {
    throw new Error(
      `${LOCAL_MODE_VARIABLE} is set, but the stage is "${stage}": only the "${LOCAL_STAGE}" stage, deployed ` +
        "to a local emulator by `npm start`, may run in local mode (dev sign-in, emulator endpoints). Unset it " +
        "to deploy this stage.",
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`${LOCAL_MODE_VARIABLE} is not JSON`);
  }
  const parsed = localModeSchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(`${LOCAL_MODE_VARIABLE} is invalid: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/**
 * What local mode changes in a function's environment, given the one the stacks build for AWS: the auth
 * settings are replaced (the dev issuer's inline JWKS, no Cognito JWKS URL to fetch), the rest is added.
 */
export function localEnvironment(
  mode: LocalMode,
  environment: Record<string, string>,
): Record<string, string> {
  const { [env.authJwksUrl]: _cognito, ...rest } = environment;
  return {
    ...rest,
    [env.authIssuer]: mode.auth.issuer,
    [env.authAudience]: mode.auth.audience,
    [env.authJwks]: JSON.stringify(mode.auth.jwks),
    [env.awsEndpoint]: mode.awsEndpoint,
    [env.s3PublicEndpoint]: mode.s3PublicEndpoint,
    [env.s3ForcePathStyle]: "true",
    ...mode.settings,
    ...(mode.testHooks ? { [NODE_OPTIONS]: `--import=${pathToFileURL(mode.testHooks).href}` } : {}),
  };
}
