/**
 * Builds an SST Function from its entry in infrastructure/picstack.ts: handler, memory, timeout,
 * bundling, environment, and least-privilege permissions derived from the declared `permissions`.
 */
import {
  ARCHITECTURE,
  type BucketArea,
  bucketAreaPrefixes,
  bundling,
  env,
  environmentOf,
  type FunctionEnvKey,
  type FunctionId,
  type FunctionPermissions,
  type FunctionSpec,
  functions,
  RUNTIME,
  table,
} from "@picstack/infrastructure";
import { localEnvironment, localMode } from "@picstack/infrastructure/local-mode";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { type App, Function as SstFunction, type Stack } from "sst/constructs";
import { webOrigin } from "./settings.js";

export type LayerName = FunctionSpec["layers"][number];

export interface FunctionResources {
  bucket: s3.IBucket;
  table: dynamodb.ITable;
  queue: sqs.IQueue;
  /** Compaction requests for the search indexes (functions with `searchIndex: "send"`). */
  searchQueue: sqs.IQueue;
  auth: { issuer: string; audience: string; jwksUrl: string };
  /** Signs list cursors (functions whose permissions declare `cursorSecret`). */
  cursorSecret: secretsmanager.ISecret;
  /** The OpenAI API key (functions whose permissions declare `openAiKey`). */
  openAiKeySecret: secretsmanager.ISecret;
  /** The layers a function may name in its `layers`. */
  layers?: Partial<Record<LayerName, lambda.ILayerVersion>>;
  /** Concurrent executions set aside for this function alone (none when undefined). */
  reservedConcurrency?: number;
}

/** The DynamoDB actions behind each `table` permission, on the table and its indexes. */
const TABLE_ACTIONS = {
  inspect: ["dynamodb:DescribeTable"],
  read: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
  // TransactWriteItems needs no action of its own: each item in it needs its Put/Update/Delete/
  // ConditionCheck action.
  readWrite: [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
  ],
} as const;
/** DeleteObjects (the purge's batch delete) is authorised per key by s3:DeleteObject; HeadObject by s3:GetObject. */
const BUCKET_OBJECT_ACTIONS = {
  get: "s3:GetObject",
  put: "s3:PutObject",
  delete: "s3:DeleteObject",
} as const;
const QUEUE_ACTIONS = { send: ["sqs:SendMessage"], inspect: ["sqs:GetQueueAttributes"] } as const;

/**
 * IAM statements for exactly what `permissions` declares; never a wildcard action, objects only under
 * the declared prefixes. Explicit statements, not SST's `bind`: binding a Bucket, Table or Queue grants
 * `s3:*`, `dynamodb:*` or `sqs:*` on all of it.
 */
export function policyStatements(
  permissions: FunctionPermissions,
  r: FunctionResources,
): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  if (permissions.table) {
    statements.push(
      new iam.PolicyStatement({
        actions: [...TABLE_ACTIONS[permissions.table]],
        resources:
          permissions.table === "inspect"
            ? [r.table.tableArn]
            : [r.table.tableArn, `${r.table.tableArn}/index/*`],
      }),
    );
  }
  // One statement per set of actions, listing the prefixes it applies to.
  const objectGrants = new Map<string, string[]>();
  for (const [area, actions] of Object.entries(permissions.bucket?.objects ?? {}) as Array<
    [BucketArea, ReadonlyArray<keyof typeof BUCKET_OBJECT_ACTIONS>]
  >) {
    const key = [...actions].map((a) => BUCKET_OBJECT_ACTIONS[a]).join(",");
    objectGrants.set(key, [...(objectGrants.get(key) ?? []), bucketAreaPrefixes[area]]);
  }
  for (const [actions, prefixes] of objectGrants) {
    statements.push(
      new iam.PolicyStatement({
        actions: actions.split(","),
        resources: prefixes.map((prefix) => r.bucket.arnForObjects(`${prefix}*`)),
      }),
    );
  }
  if (permissions.bucket?.inspect) {
    // HeadBucket carries no prefix, so no s3:prefix condition could allow it.
    statements.push(new iam.PolicyStatement({ actions: ["s3:ListBucket"], resources: [r.bucket.bucketArn] }));
  } else if (permissions.bucket?.list?.length) {
    // For a read of a missing key, S3 evaluates the ListBucket permission with that key as `s3:prefix`,
    // so this both limits listing to these prefixes and turns their missing objects into 404s.
    statements.push(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [r.bucket.bucketArn],
        conditions: {
          StringLike: { "s3:prefix": permissions.bucket.list.map((area) => `${bucketAreaPrefixes[area]}*`) },
        },
      }),
    );
  }
  if (permissions.queue === "send" || permissions.queue === "inspect") {
    statements.push(
      new iam.PolicyStatement({
        actions: [...QUEUE_ACTIONS[permissions.queue]],
        resources: [r.queue.queueArn],
      }),
    );
  }
  if (permissions.searchIndex === "send") {
    statements.push(
      new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [r.searchQueue.queueArn] }),
    );
  }
  if (permissions.rateLimit) {
    // Only the rate-limit items: every key the call touches must start with their prefix.
    statements.push(
      new iam.PolicyStatement({
        actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
        resources: [r.table.tableArn],
        conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${table.keys.rateLimit}*`] } },
      }),
    );
  }
  if (permissions.openAiKey) {
    statements.push(
      new iam.PolicyStatement({
        actions: ["secretsmanager:GetSecretValue"],
        resources: [r.openAiKeySecret.secretArn],
      }),
    );
  }
  if (permissions.cursorSecret) {
    statements.push(
      new iam.PolicyStatement({
        actions: ["secretsmanager:GetSecretValue"],
        resources: [r.cursorSecret.secretArn],
      }),
    );
  }
  // `consume` is granted by the event source mapping (ReceiveMessage, DeleteMessage, ...).
  return statements;
}

/** The stack output that names a declared function's deployed Lambda (`npm run purge`, the test suites). */
export const functionNameOutput = (id: FunctionId) => `${id}FunctionName`;

export function picstackFunction(stack: Stack, id: FunctionId, r: FunctionResources): SstFunction {
  const spec: FunctionSpec = functions[id];
  // What each variable the declaration may ask for is, in this stage's resources.
  const values: Record<FunctionEnvKey, string> = {
    function: id,
    stage: stack.stage,
    table: r.table.tableName,
    bucket: r.bucket.bucketName,
    queueUrl: r.queue.queueUrl,
    searchQueueUrl: r.searchQueue.queueUrl,
    webOrigin: webOrigin(stack.node.root as App),
    authIssuer: r.auth.issuer,
    authAudience: r.auth.audience,
    authJwksUrl: r.auth.jwksUrl,
    cursorSecretArn: r.cursorSecret.secretArn,
    openAiKeySecretArn: r.openAiKeySecret.secretArn,
  };
  const environment: Record<string, string> = {
    ...spec.runtimeEnvironment,
    ...Object.fromEntries(environmentOf(spec.permissions).map((key) => [env[key], values[key]])),
  };
  const local = localMode(stack.stage);
  const fn = new SstFunction(stack, id, {
    handler: spec.handler,
    runtime: RUNTIME,
    architecture: ARCHITECTURE,
    description: spec.description,
    memorySize: spec.memorySize,
    timeout: spec.timeout,
    layers: spec.layers.map((name) => {
      const layer = r.layers?.[name];
      if (!layer) throw new Error(`${id} needs the ${name} layer`);
      return layer;
    }),
    // SST v2 always bundles ESM with platform node, keepNames, mainFields ["module", "main"] and a banner
    // that defines `require` (so no banner of ours: `require` would be declared twice).
    // It marks only sharp and pg-native external (and `aws-sdk` v2 for nodejs16.x CommonJS), never
    // `@aws-sdk/*`: the SDK v3 is bundled at the versions in package-lock.json. `esbuild` props other than
    // `external` override SST's own options, so `target` replaces its "esnext".
    nodejs: {
      format: bundling.format,
      minify: bundling.minify,
      sourcemap: bundling.sourcemap,
      // Listing sharp in `external` also stops SST from `npm install`ing sharp@0.32.6 into the bundle.
      esbuild: { external: [...bundling.external], target: bundling.target },
    },
    ...(spec.files ? { copyFiles: spec.files.map(({ from, to }) => ({ from, to })) } : {}),
    environment: local ? localEnvironment(local, environment) : environment,
    permissions: policyStatements(spec.permissions, r),
    ...(r.reservedConcurrency ? { reservedConcurrentExecutions: r.reservedConcurrency } : {}),
  });
  stack.addOutputs({ [functionNameOutput(id)]: fn.functionName });
  return fn;
}
