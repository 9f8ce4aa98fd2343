/**
 * The bench's no-op: a CDK app of one stack, a Lambda function that does nothing behind `GET /bench-noop`
 * on a REST API of its own, deployed to the bench's emulator the way the Picstack stacks are (a cloud
 * assembly, the stock CDK CLI). Its latency is the emulator's and its gateway's with no handler work.
 */
import { join } from "node:path";
import { functions, RUNTIME } from "@picstack/infrastructure";
import { ACCOUNT, deployAssembly, emulatorApi, REGION } from "@picstack/local";
import { App, CfnOutput, Duration, Stack } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import * as lambda from "aws-cdk-lib/aws-lambda";

const NOOP_PATH = "/bench-noop";
const STACK = "picstack-bench-noop";
const URL_OUTPUT = "NoopApiUrl";

/**
 * Writes one log line, as every handler of ours does: the local emulator waits up to 50 ms for a first
 * line of output after each invocation, so a silent no-op would look slower than the real handlers.
 * CommonJS: inline code is stored as `index.js`, which Node loads as CommonJS.
 */
const NOOP_SOURCE =
  "exports.handler = async () => { console.log('noop'); return { statusCode: 200, body: '{}' }; };";

/** Synthesizes the no-op app into `outdir`; the REST API's stage is `stage`. */
export function synthNoop(outdir: string, stage: string): string {
  const app = new App({ outdir });
  const stack = new Stack(app, STACK, { env: { account: ACCOUNT, region: REGION } });
  const spec = functions.getImage;
  const fn = new lambda.Function(stack, "Noop", {
    runtime: new lambda.Runtime(RUNTIME, lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true }),
    architecture: lambda.Architecture.X86_64,
    handler: "index.handler",
    code: lambda.Code.fromInline(NOOP_SOURCE),
    // Same memory and timeout as the routes it is compared with.
    memorySize: spec.memorySize,
    timeout: Duration.seconds(spec.timeout),
  });
  const api = new apigateway.RestApi(stack, "Api", {
    deployOptions: { stageName: stage },
    cloudWatchRole: false,
  });
  api.root
    .addResource(NOOP_PATH.slice(1))
    .addMethod("GET", new apigateway.LambdaIntegration(fn, { proxy: true }));
  new CfnOutput(stack, URL_OUTPUT, { value: api.url });
  return app.synth().directory;
}

/**
 * Synthesizes and deploys the no-op stack to the emulator at `endpoint`, with its CDK state in
 * `<home>/bench-noop`, and returns the URL of `GET /bench-noop` there.
 */
export async function deployNoop(endpoint: string, home: string, stage: string): Promise<string> {
  const dir = join(home, "bench-noop");
  const assembly = synthNoop(join(dir, "cdk.out"), stage);
  const outputs = await deployAssembly(endpoint, dir, assembly);
  const url = outputs[STACK]?.[URL_OUTPUT];
  if (!url) throw new Error(`the ${STACK} stack has no ${URL_OUTPUT} output`);
  return `${emulatorApi(url, endpoint).url}${NOOP_PATH}`;
}
