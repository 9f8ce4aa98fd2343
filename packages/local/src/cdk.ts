/**
 * The stock CDK CLI (npm `aws-cdk`, pinned in package.json) against a local emulator: `cdk bootstrap`
 * for the bootstrap stack SST's assemblies expect (the standard `hnb659fds` qualifier), then
 * `cdk deploy` of the synthesized assembly. The same two commands deploy to AWS; here only the endpoint
 * and the emulators' dummy credentials differ. CloudFormation (the emulator's) does the provisioning,
 * so a redeploy updates only the stacks whose templates or assets changed.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { packagedCdk, packagedDir } from "./packaged.js";
import { repoRoot } from "./paths.js";
import { run } from "./run.js";

export const REGION = "us-east-1";
/** The account every local emulator reports. */
export const ACCOUNT = "000000000000";

/** The CLI, and the arguments before a command's: an installed runner runs its dependency's entry point. */
const [CDK, ...CDK_ARGS] = packagedDir
  ? [process.execPath, packagedCdk()]
  : [join(repoRoot, "node_modules/.bin/cdk")];

/**
 * The CLI's environment: the emulator for every AWS call, its dummy keys (never a developer's profile),
 * and nothing that calls the internet (notices, the version check, telemetry).
 */
function cliEnvironment(endpoint: string, home: string): NodeJS.ProcessEnv {
  const {
    AWS_PROFILE: _profile,
    AWS_SESSION_TOKEN: _token,
    AWS_DEFAULT_PROFILE: _defaultProfile,
    ...rest
  } = process.env;
  return {
    ...rest,
    // An IP address rather than `localhost`: the SDK then addresses buckets by path, which the
    // emulators serve without wildcard DNS.
    AWS_ENDPOINT_URL: endpoint.replace("//localhost:", "//127.0.0.1:"),
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    CDK_HOME: join(home, "cdk-home"),
    CDK_DISABLE_VERSION_CHECK: "true",
    CDK_DISABLE_CLI_TELEMETRY: "true",
  };
}

const COMMON = ["--no-notices", "--no-color", "--ci"];

/** The bootstrap stack (asset bucket, roles, version parameter); a no-op when it is there already. */
export async function bootstrap(endpoint: string, home: string): Promise<void> {
  await mkdir(join(home, "cdk-home"), { recursive: true });
  await run(
    CDK as string,
    [...CDK_ARGS, "bootstrap", `aws://${ACCOUNT}/${REGION}`, ...COMMON],
    cliEnvironment(endpoint, home),
  );
}

/** `stack name → output name → value`, as `cdk deploy --outputs-file` writes it. */
export type StackOutputs = Record<string, Record<string, string>>;

/** Deploys every stack of the assembly and returns their outputs. */
export async function deployAssembly(
  endpoint: string,
  home: string,
  assembly: string,
): Promise<StackOutputs> {
  const outputsFile = join(home, "stack-outputs.json");
  await run(
    CDK as string,
    [
      ...CDK_ARGS,
      "deploy",
      "--app",
      assembly,
      "--all",
      "--require-approval",
      "never",
      // Stacks with no dependency between them deploy at once (Analysis, Api and Jobs after Storage, Auth).
      "--concurrency",
      "4",
      "--outputs-file",
      outputsFile,
      ...COMMON,
    ],
    cliEnvironment(endpoint, home),
  );
  return JSON.parse(await readFile(outputsFile, "utf8")) as StackOutputs;
}
