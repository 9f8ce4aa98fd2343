/**
 * Deploys Picstack to a local emulator (MiniStack or LocalStack) the way it goes to AWS: sst.config.ts
 * synthesized into CloudFormation templates (synth.ts), deployed with the stock CDK CLI (cdk.ts). The
 * only difference is local mode (infrastructure/local-mode.ts), a synth-time setting only the local stage
 * accepts: the emulator's endpoints, the dev sign-in issuer, and the function settings a local run may
 * choose. Re-running redeploys what changed and keeps data.
 */
import { type FunctionId, functions, LOCAL_STAGE } from "@picstack/infrastructure";
import {
  LOCAL_MODE_VARIABLE,
  type LOCAL_SETTINGS,
  type LocalMode,
} from "@picstack/infrastructure/local-mode";
import { ACCOUNT, bootstrap, deployAssembly, REGION, type StackOutputs } from "./cdk.js";
import { DEV_AUDIENCE, DEV_ISSUER, devJwks } from "./dev-issuer.js";
import type { Target } from "./emulator.js";
import { packagedDir, packagedLayout } from "./packaged.js";
import { preparePackagedAssembly } from "./packaged-assembly.js";
import { picstackHome } from "./paths.js";
import { synthesize } from "./synth.js";
import { bundleTestHooks, testHooksBundle } from "./test-hooks.js";

export { ACCOUNT, REGION };

/** A function setting a local stack may carry (validated at the functions' cold start). */
export type LocalSetting = (typeof LOCAL_SETTINGS)[number];

export interface DeployOptions {
  target: Target;
  /** Emulator endpoint as this machine reaches it. */
  endpoint: string;
  webOrigin: string;
  home?: string;
  /** Function settings for every function (tests choose the AI provider and rate limits). */
  settings?: Partial<Record<LocalSetting, string>>;
  /**
   * The absolute path of a test hooks module (TypeScript, e.g. test/faults/preload.ts) for every function
   * to preload: test stacks only, on MiniStack, which runs the functions on this machine.
   */
  testHooks?: string;
  /**
   * Pass the developer's OPENAI_API_KEY, OPENAI_BASE_URL, PICSTACK_ANALYSIS_PROVIDER,
   * PICSTACK_OPENAI_MODEL, PICSTACK_OPENAI_TIMEOUT_MS and the PICSTACK_EMBEDDING_* settings through to the
   * functions (every function gets them: the worker embeds analyses, search embeds queries). Off for
   * tests, which never call a real provider.
   */
  passThroughAnalysisSettings?: boolean;
  log?: (message: string) => void;
}

export interface Outputs {
  target: Target;
  stage: string;
  region: string;
  endpoint: string;
  apiUrl: string;
  webUrl: string;
  apiId: string;
  bucket: string;
  table: string;
  queue: string;
  deadLetterQueue: string;
  functions: Record<FunctionId, string>;
}

/** SDK client settings for a local emulator: its endpoint, our region, and the emulators' dummy keys. */
export function emulatorClientConfig(endpoint: string) {
  return { endpoint, region: REGION, credentials: { accessKeyId: "test", secretAccessKey: "test" } };
}

const ANALYSIS_SETTINGS: ReadonlyArray<LocalSetting> = [
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "PICSTACK_ANALYSIS_PROVIDER",
  "PICSTACK_OPENAI_MODEL",
  "PICSTACK_OPENAI_TIMEOUT_MS",
  "PICSTACK_EMBEDDING_PROVIDER",
  "PICSTACK_EMBEDDING_MODEL",
  "PICSTACK_EMBEDDING_DIMENSIONS",
];

function analysisSettingsFromEnvironment(): Partial<Record<LocalSetting, string>> {
  return Object.fromEntries(
    ANALYSIS_SETTINGS.flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])),
  );
}

/** Local mode for a target: where the functions and the clients reach the emulator, and who signs in. */
export async function localModeFor(options: DeployOptions): Promise<LocalMode> {
  if (options.testHooks && options.target !== "ministack") {
    throw new Error("test hooks are preloaded from this machine: only MiniStack runs functions here");
  }
  return {
    // MiniStack runs functions on this machine; LocalStack runs them in containers next to itself.
    awsEndpoint:
      options.target === "localstack" ? "http://localhost.localstack.cloud:4566" : options.endpoint,
    s3PublicEndpoint: options.endpoint,
    auth: { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, jwks: await devJwks(options.home) },
    settings: {
      ...(options.passThroughAnalysisSettings ? analysisSettingsFromEnvironment() : {}),
      ...options.settings,
    },
    ...(options.testHooks ? { testHooks: testHooksBundle(options.home ?? picstackHome()) } : {}),
  };
}

/** The environment a deployment synthesizes the stacks in: local mode for its target, and the web origin. */
export async function synthEnvironment(options: DeployOptions): Promise<Record<string, string>> {
  return {
    [LOCAL_MODE_VARIABLE]: JSON.stringify(await localModeFor(options)),
    PICSTACK_WEB_ORIGIN: options.webOrigin,
  };
}

/**
 * Synthesizes and deploys. `emulator`, when given, is the emulator still starting: the synth (the
 * longest step, in a child process) runs meanwhile, and the bootstrap once it answers.
 */
export async function deploy(
  options: DeployOptions & { emulator?: Promise<unknown> },
): Promise<Omit<Outputs, "webUrl">> {
  const home = options.home ?? picstackHome();
  const log = options.log ?? (() => {});
  const environment = await synthEnvironment(options);
  if (options.testHooks) {
    await bundleTestHooks(options.testHooks, home);
    log("test hooks: bundled");
  }
  // The bootstrap stack does not depend on the templates: set it up while they are synthesized.
  const [assembly] = await Promise.all([
    // An installed runner deploys the assembly it was packed with, made concrete (packaged-assembly.ts).
    packagedDir
      ? preparePackagedAssembly(packagedLayout(packagedDir).assembly, home, {
          mode: JSON.parse(environment[LOCAL_MODE_VARIABLE] as string),
          webOrigin: options.webOrigin,
        })
      : synthesize({ home, environment, log }),
    (options.emulator ?? Promise.resolve())
      .then(() => bootstrap(options.endpoint, home))
      .then(() => log("bootstrap: done")),
  ]);
  const started = Date.now();
  const stacks = await deployAssembly(options.endpoint, home, assembly);
  log(`stacks: deployed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outputsFrom(stacks, options.target, options.endpoint);
}

/**
 * A REST API as an emulator serves it, from the URL a stack outputs, which has AWS's form
 * (`https://<id>.execute-api.<region>.amazonaws.com/<stage>/`): its id, its stage, and
 * `<endpoint>/restapis/<id>/<stage>/_user_request_` (no trailing slash; append the resource path).
 */
export function emulatorApi(awsUrl: string, endpoint: string): { url: string; apiId: string; stage: string } {
  const url = new URL(awsUrl);
  const apiId = url.hostname.split(".")[0] as string;
  const stage = url.pathname.split("/").filter(Boolean)[0] ?? LOCAL_STAGE;
  return { url: `${endpoint}/restapis/${apiId}/${stage}/_user_request_`, apiId, stage };
}

/** The local outputs from the stacks' outputs. */
export function outputsFrom(stacks: StackOutputs, target: Target, endpoint: string): Omit<Outputs, "webUrl"> {
  const output = (stack: string, name: string): string => {
    const value = stacks[`${LOCAL_STAGE}-picstack-${stack}`]?.[name];
    if (!value) throw new Error(`the ${stack} stack has no ${name} output`);
    return value;
  };
  const api = emulatorApi(output("Api", "ApiUrl"), endpoint);
  const all = Object.assign({}, ...Object.values(stacks)) as Record<string, string>;
  const functionNames = Object.fromEntries(
    (Object.keys(functions) as FunctionId[]).map((id) => {
      const name = all[`${id}FunctionName`];
      if (!name) throw new Error(`no stack names the ${id} function`);
      return [id, name];
    }),
  ) as Record<FunctionId, string>;
  return {
    target,
    stage: api.stage,
    region: REGION,
    endpoint,
    apiUrl: api.url,
    apiId: api.apiId,
    bucket: output("Storage", "BucketName"),
    table: output("Storage", "TableName"),
    queue: output("Storage", "QueueUrl"),
    deadLetterQueue: output("Storage", "DeadLetterQueueUrl"),
    functions: functionNames,
  };
}
