/**
 * Offline assertions on the CloudFormation that
 * `PICSTACK_WEB_ORIGIN=… PICSTACK_DISPOSABLE_STAGE=test sst deploy --stage test` would deploy: every resource with
 * the settings from infrastructure/picstack.ts, least-privilege permissions per function, and the function
 * bundles SST builds.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ALLOWED_CONTENT_TYPES, originalKey, thumbnailKey } from "@picstack/core";
import {
  type BucketArea,
  bucketAreaPrefixes,
  bucket as bucketSpec,
  bundling,
  capacity,
  cors,
  type FunctionId,
  type FunctionPermissions,
  type FunctionSpec,
  functions,
  gatewayResponses as gatewayResponseSpecs,
  queueConsumer,
  queue as queueSpec,
  routes,
  table as tableSpec,
  testSettings,
} from "@picstack/infrastructure";
import type { Template } from "aws-cdk-lib/assertions";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_KEYS, INJECTED_FAULT_MESSAGE } from "../../test/faults/faults.js";
import {
  actionsOf,
  allStatementsOf,
  apiPathOf,
  lambdaOf,
  onlyOf,
  type Resource,
  refersTo,
  resourcesOf,
  roleStatementsOf,
  type Statement,
} from "./helpers.js";
import { type Synthesized, sharpLayer, synthesize, TEST_WEB_ORIGIN } from "./synth.js";

const STAGE = "test";
const functionIds = Object.keys(functions) as FunctionId[];

let synth: Synthesized;
let storage: Template;
let auth: Template;
let analysis: Template;
let api: Template;
let jobs: Template;
let web: Template;
let layerRoot: string;

beforeAll(async () => {
  layerRoot = await sharpLayer();
  // Marked disposable, as a short-lived test or review stage would be; stage-protection.test.ts covers the rest.
  synth = await synthesize({
    stage: STAGE,
    bundle: true,
    env: { PICSTACK_WEB_ORIGIN: TEST_WEB_ORIGIN, PICSTACK_DISPOSABLE_STAGE: STAGE },
  });
  ({ Storage: storage, Auth: auth, Analysis: analysis, Api: api, Jobs: jobs, Web: web } = synth.templates);
});

afterAll(() => {
  if (synth) rmSync(synth.outdir, { recursive: true, force: true });
});

const scheduleOf = (id: FunctionId) => (functions[id] as FunctionSpec).schedule;

/** The stack a declared function lives in: the queue consumer in Analysis, scheduled ones in Jobs, routed ones in Api. */
function templateOf(id: FunctionId): Template {
  if (id === queueConsumer) return analysis;
  return scheduleOf(id) ? jobs : api;
}

function secretId(prefix: string): string {
  const [found] = resourcesOf(storage, "AWS::SecretsManager::Secret").filter(([id]) => id.startsWith(prefix));
  if (!found) throw new Error(`no ${prefix} secret`);
  return found[0];
}

function storageIds() {
  const queues = resourcesOf(storage, "AWS::SQS::Queue");
  return {
    bucket: onlyOf(storage, "AWS::S3::Bucket")[0],
    table: onlyOf(storage, "AWS::DynamoDB::Table")[0],
    queue: (queues.find(([, q]) => q.Properties.RedrivePolicy) ?? [""])[0],
    deadLetterQueue: (queues.find(([, q]) => !q.Properties.RedrivePolicy) ?? [""])[0],
    cursorSecret: secretId("CursorSecret"),
    openAiKeySecret: secretId("OpenAiApiKey"),
  };
}

describe("bucket", () => {
  it("blocks every kind of public access", () => {
    // Prepare
    const [, bucket] = onlyOf(storage, "AWS::S3::Bucket");

    // Act
    const block = bucket.Properties.PublicAccessBlockConfiguration;

    // Assess
    expect(block).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it("encrypts objects with S3-managed keys", () => {
    // Prepare
    const [, bucket] = onlyOf(storage, "AWS::S3::Bucket");

    // Act
    const encryption = bucket.Properties.BucketEncryption;

    // Assess
    expect(encryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
    });
  });

  it("denies every request that is not made over TLS", () => {
    // Prepare
    const [bucketId] = onlyOf(storage, "AWS::S3::Bucket");
    const [, policy] = onlyOf(storage, "AWS::S3::BucketPolicy");

    // Act
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const deny = statements.find((s) => s.Effect === "Deny");

    // Assess
    expect(policy.Properties.Bucket).toEqual({ Ref: bucketId });
    expect(deny).toMatchObject({
      Action: "s3:*",
      Principal: { AWS: "*" },
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(refersTo(deny?.Resource, bucketId)).toBe(true);
  });

  it("allows browser uploads and downloads from the configured web origin only", () => {
    // Prepare
    const [, bucket] = onlyOf(storage, "AWS::S3::Bucket");

    // Act
    const configuration = bucket.Properties.CorsConfiguration;

    // Assess
    expect(configuration).toEqual({
      CorsRules: [
        {
          AllowedOrigins: [TEST_WEB_ORIGIN],
          AllowedMethods: [...cors.bucket.allowMethods],
          AllowedHeaders: ["*"],
          ExposedHeaders: ["ETag"],
          MaxAge: cors.bucket.maxAgeSeconds,
        },
      ],
    });
  });

  it("aborts incomplete multipart uploads after the declared days", () => {
    // Prepare
    const [, bucket] = onlyOf(storage, "AWS::S3::Bucket");

    // Act
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules;

    // Assess
    expect(rules).toEqual([
      {
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: bucketSpec.abortIncompleteUploadDays },
        Status: "Enabled",
      },
    ]);
  });

  it("sends ObjectCreated events under the upload prefix to the analysis queue, and nothing else", () => {
    // Prepare
    const ids = storageIds();

    // Act
    const [, notifications] = onlyOf(storage, "Custom::S3BucketNotifications");

    // Assess
    expect(notifications.Properties.BucketName).toEqual({ Ref: ids.bucket });
    expect(notifications.Properties.NotificationConfiguration).toEqual({
      QueueConfigurations: [
        {
          Events: ["s3:ObjectCreated:*"],
          Filter: { Key: { FilterRules: [{ Name: "prefix", Value: bucketSpec.uploadPrefix }] } },
          QueueArn: { "Fn::GetAtt": [ids.queue, "Arn"] },
        },
      ],
    });
    expect(bucketSpec.uploadPrefix).toBe("images/");
  });

  it("is deleted with its objects when a stage deployed as disposable is removed", () => {
    // Prepare
    const [bucketId, bucket] = onlyOf(storage, "AWS::S3::Bucket");

    // Act
    const [, autoDelete] = onlyOf(storage, "Custom::S3AutoDeleteObjects");

    // Assess
    expect(bucket.DeletionPolicy).toBe("Delete");
    expect(autoDelete.Properties.BucketName).toEqual({ Ref: bucketId });
  });
});

describe("queues", () => {
  it("keeps a message invisible longer than the consumer may run, as declared", () => {
    // Prepare
    const { queue } = storageIds();

    // Act
    const props = (storage.findResources("AWS::SQS::Queue")[queue] as Resource).Properties;

    // Assess
    expect(props.VisibilityTimeout).toBe(queueSpec.visibilityTimeoutSeconds);
    expect(props.VisibilityTimeout as number).toBeGreaterThan(functions[queueConsumer].timeout);
    expect(props.MessageRetentionPeriod).toBe(queueSpec.retentionSeconds);
  });

  it("moves a message to the dead-letter queue after the declared receives", () => {
    // Prepare
    const { queue, deadLetterQueue } = storageIds();
    const queues = storage.findResources("AWS::SQS::Queue");

    // Act
    const redrive = (queues[queue] as Resource).Properties.RedrivePolicy;
    const dlq = (queues[deadLetterQueue] as Resource).Properties;

    // Assess
    expect(redrive).toEqual({
      deadLetterTargetArn: { "Fn::GetAtt": [deadLetterQueue, "Arn"] },
      maxReceiveCount: queueSpec.maxReceiveCount,
    });
    expect(dlq.MessageRetentionPeriod).toBe(queueSpec.deadLetterRetentionSeconds);
  });

  it("encrypts both queues with SQS-managed keys and denies requests not made over TLS", () => {
    // Prepare
    const { queue, deadLetterQueue } = storageIds();
    const queues = storage.findResources("AWS::SQS::Queue");
    const policies = resourcesOf(storage, "AWS::SQS::QueuePolicy");

    for (const id of [queue, deadLetterQueue]) {
      // Act
      const encrypted = (queues[id] as Resource).Properties.SqsManagedSseEnabled;
      const statements = policies
        .filter(([, p]) => (p.Properties.Queues as Array<{ Ref: string }>).some((q) => q.Ref === id))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

      // Assess
      expect(encrypted, id).toBe(true);
      expect(statements, id).toEqual(expect.arrayContaining([expect.objectContaining({ Effect: "Deny" })]));
      expect(
        statements.find((s) => s.Effect === "Deny"),
        id,
      ).toMatchObject({
        Action: "sqs:*",
        Principal: { AWS: "*" },
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    }
  });

  it("lets only this bucket send to the analysis queue", () => {
    // Prepare
    const { queue, bucket } = storageIds();

    // Act
    const statements = resourcesOf(storage, "AWS::SQS::QueuePolicy")
      .filter(([, p]) => (p.Properties.Queues as Array<{ Ref: string }>).some((q) => q.Ref === queue))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => s.Effect === "Allow");

    // Assess
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Principal: { Service: "s3.amazonaws.com" } });
    expect(actionsOf(statements[0] as Statement)).not.toContain("sqs:*");
    expect(refersTo(statements[0]?.Condition, bucket)).toBe(true);
  });

  it("keeps the declared concurrency for the worker, and never polls the queue faster than that", () => {
    // Prepare
    const [, worker] = lambdaOf(analysis, queueConsumer);

    // Act
    const [, mapping] = onlyOf(analysis, "AWS::Lambda::EventSourceMapping");

    // Assess
    expect(capacity.worker.reserved).toBeGreaterThan(0);
    expect(worker.Properties.ReservedConcurrentExecutions).toBe(capacity.worker.reserved);
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: capacity.worker.maximum });
    expect(capacity.worker.maximum).toBeLessThanOrEqual(capacity.worker.reserved);
    expect(capacity.worker.maximum).toBeGreaterThanOrEqual(2);
    for (const id of functionIds.filter((f) => f !== queueConsumer)) {
      expect(lambdaOf(templateOf(id), id)[1].Properties.ReservedConcurrentExecutions, id).toBeUndefined();
    }
  });

  it("is consumed by the analysis function in batches, with partial batch responses", () => {
    // Prepare
    const [workerId] = lambdaOf(analysis, queueConsumer);
    const { queue } = storageIds();

    // Act
    const [, mapping] = onlyOf(analysis, "AWS::Lambda::EventSourceMapping");

    // Assess
    expect(mapping.Properties).toMatchObject({
      BatchSize: queueSpec.batchSize,
      MaximumBatchingWindowInSeconds: queueSpec.maxBatchingWindowSeconds,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      FunctionName: { Ref: workerId },
    });
    expect(refersTo(mapping.Properties.EventSourceArn, queue)).toBe(true);
  });
});

describe("table", () => {
  it("is on-demand, with point-in-time recovery and the declared string keys", () => {
    // Prepare
    const [, table] = onlyOf(storage, "AWS::DynamoDB::Table");

    // Act
    const props = table.Properties;

    // Assess
    expect(props.BillingMode).toBe("PAY_PER_REQUEST");
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(props.KeySchema).toEqual([
      { AttributeName: tableSpec.partitionKey, KeyType: "HASH" },
      { AttributeName: tableSpec.sortKey, KeyType: "RANGE" },
    ]);
    const keyNames = [
      tableSpec.partitionKey,
      tableSpec.sortKey,
      ...Object.values(tableSpec.indexes).flatMap((i) => [i.partitionKey, i.sortKey]),
    ];
    expect(props.AttributeDefinitions).toEqual(
      expect.arrayContaining(keyNames.map((name) => ({ AttributeName: name, AttributeType: "S" }))),
    );
    expect(props.AttributeDefinitions).toHaveLength(keyNames.length);
    expect(props.SSESpecification).toEqual({ SSEEnabled: true });
  });

  it("has exactly the declared indexes, keyed as declared and projecting every attribute", () => {
    // Prepare
    const [, table] = onlyOf(storage, "AWS::DynamoDB::Table");

    // Act
    const indexes = table.Properties.GlobalSecondaryIndexes as Array<Record<string, unknown>>;

    // Assess
    expect(indexes.map((i) => i.IndexName).sort()).toEqual(["byStatus", "byTag", "byUser"]);
    expect(indexes.map((i) => i.IndexName).sort()).toEqual(Object.keys(tableSpec.indexes).sort());
    for (const [name, spec] of Object.entries(tableSpec.indexes)) {
      expect(indexes.find((i) => i.IndexName === name)).toEqual({
        IndexName: name,
        KeySchema: [
          { AttributeName: spec.partitionKey, KeyType: "HASH" },
          { AttributeName: spec.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      });
    }
  });

  it("is deleted, with the secrets and the user pool, when a stage deployed as disposable is removed", () => {
    // Prepare / Act
    const [, table] = onlyOf(storage, "AWS::DynamoDB::Table");
    const secrets = resourcesOf(storage, "AWS::SecretsManager::Secret");
    const [, pool] = onlyOf(auth, "AWS::Cognito::UserPool");

    // Assess
    expect(table.DeletionPolicy).toBe("Delete");
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    expect(secrets.length).toBe(2);
    for (const [, secret] of secrets) expect(secret.DeletionPolicy).toBe("Delete");
    expect(pool.DeletionPolicy).toBe("Delete");
  });
});

describe("functions", () => {
  it.each(functionIds)(
    "%s runs its bundled handler on nodejs22.x with its declared size and limits",
    (id) => {
      // Prepare
      const spec = functions[id];

      // Act
      const [, fn] = lambdaOf(templateOf(id), id);

      // Assess
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs22.x",
        Handler: spec.handler,
        MemorySize: spec.memorySize,
        Timeout: spec.timeout,
        Description: spec.description,
        Architectures: ["x86_64"],
      });
    },
  );

  it.each(functionIds)(
    "%s is an ESM bundle with the AWS SDK inside and only sharp left outside",
    async (id) => {
      // Prepare
      const [, fn] = lambdaOf(templateOf(id), id);
      const assetDir = join(synth.outdir, fn.Metadata?.["aws:asset:path"] as string);
      const file = join(assetDir, `${functions[id].handler.replace(/\.[^.]+$/, "")}.mjs`);

      // Act
      const code = readFileSync(file, "utf8");
      // esbuild parses the bundle and lists what it still imports or requires (strings in messages aside).
      const { metafile } = await esbuild.build({
        entryPoints: [file],
        bundle: true,
        write: false,
        metafile: true,
        platform: "node",
        format: "esm",
        external: ["*"],
        logLevel: "silent",
      });
      const imports = Object.values(metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
      const installed = JSON.parse(readFileSync(join(assetDir, "package.json"), "utf8"));

      // Assess
      const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
      const external = imports.filter((specifier) => !builtins.has(specifier));
      expect(new Set(external), "imports that are neither Node builtins nor declared external").toEqual(
        new Set(external.filter((s) => (bundling.external as readonly string[]).includes(s))),
      );
      expect(imports.some((s) => s.startsWith("@aws-sdk/"))).toBe(false);
      expect(code).not.toContain("@img/sharp-libvips"); // sharp itself is not bundled
      expect(installed.dependencies ?? {}).toEqual({}); // and SST did not npm-install a sharp of its own
      // SST's banner defines `require` for CommonJS inside ESM; a second definition would be a SyntaxError.
      expect(code.match(/\bconst require\s*=/g)).toHaveLength(1);
    },
  );

  it("bundles sharp-phash into the worker, its require of sharp left to the layer like the worker's own import", () => {
    // Prepare
    const [, fn] = lambdaOf(templateOf(queueConsumer), queueConsumer);
    const assetDir = join(synth.outdir, fn.Metadata?.["aws:asset:path"] as string);
    const handler = functions[queueConsumer].handler.replace(/\.[^.]+$/, "");
    // Act
    const code = readFileSync(join(assetDir, `${handler}.mjs`), "utf8");
    // Assess: sharp-phash's CommonJS `require("sharp")` survives as a call on the banner's `require`
    // (createRequire, which resolves from the layer on NODE_PATH), never as a second bundled sharp.
    expect(code).not.toMatch(/["']sharp-phash["']/);
    expect(code).toMatch(/\b[\w$]+\(\s*["']sharp["']\s*\)/);
    expect(code).toMatch(/from\s*["']sharp["']/);
    expect(code).not.toContain("@img/sharp-libvips");
  });

  describe("test-only code", () => {
    // Strings the fault code cannot do without and that minifying keeps: the fault plan's fields (JSON
    // keys) and the line each injected fault logs.
    const markers = [...FAULT_KEYS, INJECTED_FAULT_MESSAGE];
    const bundleOf = (id: FunctionId) => {
      const [, fn] = lambdaOf(templateOf(id), id);
      const assetDir = join(synth.outdir, fn.Metadata?.["aws:asset:path"] as string);
      return readFileSync(join(assetDir, `${functions[id].handler.replace(/\.[^.]+$/, "")}.mjs`), "utf8");
    };

    it("is recognised by its markers once bundled and minified as the functions are", async () => {
      // Act: the preload that carries the fault code into a local test stack's functions.
      const { outputFiles } = await esbuild.build({
        entryPoints: [fileURLToPath(new URL("../../test/faults/preload.ts", import.meta.url))],
        bundle: true,
        write: false,
        platform: "node",
        format: bundling.format,
        target: bundling.target,
        minify: bundling.minify,
        logLevel: "silent",
      });
      const code = outputFiles.map((f) => f.text).join("");

      // Assess
      expect(markers.filter((marker) => !code.includes(marker))).toEqual([]);
    });

    it.each(functionIds)("is not in the %s bundle: no fault code is deployed", (id) => {
      // Act
      const code = bundleOf(id);

      // Assess: the markers found, not the bundle, in the message.
      expect(markers.filter((marker) => code.includes(marker))).toEqual([]);
    });
  });

  it("gives the sharp layer, built from npm for linux-x64, to the analysis function and to no other", () => {
    // Prepare
    const [layerId, layer] = onlyOf(analysis, "AWS::Lambda::LayerVersion");
    const [, worker] = lambdaOf(analysis, queueConsumer);
    const staged = join(synth.outdir, layer.Metadata?.["aws:asset:path"] as string);

    // Act
    const others = functionIds
      .filter((id) => id !== queueConsumer)
      .map((id) => lambdaOf(templateOf(id), id)[1]);

    // Assess
    expect(functions[queueConsumer].layers).toEqual(["sharp"]);
    expect(worker.Properties.Layers).toEqual([{ Ref: layerId }]);
    expect(layer.Properties.CompatibleRuntimes).toEqual(["nodejs22.x"]);
    expect(layer.Properties.CompatibleArchitectures).toEqual(["x86_64"]);
    for (const pkg of ["sharp", "@img/sharp-linux-x64", "@img/sharp-libvips-linux-x64"]) {
      expect(existsSync(join(staged, "nodejs/node_modules", pkg)), pkg).toBe(true);
      expect(existsSync(join(layerRoot, "nodejs/node_modules", pkg)), pkg).toBe(true);
    }
    for (const fn of others) expect(fn.Properties.Layers).toBeUndefined();
  });

  it.each(functionIds)(
    "%s gets its resources, stage, web origin and Cognito settings, and no local-only ones",
    (id) => {
      // Prepare
      const ids = storageIds();
      const [poolId] = onlyOf(auth, "AWS::Cognito::UserPool");
      const [clientId] = onlyOf(auth, "AWS::Cognito::UserPoolClient");
      const [, fn] = lambdaOf(templateOf(id), id);

      // Act
      const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

      // Assess
      expect(vars.PICSTACK_FUNCTION).toBe(id);
      expect(vars.PICSTACK_STAGE).toBe(STAGE);
      expect(vars.PICSTACK_WEB_ORIGIN).toBe(TEST_WEB_ORIGIN);
      expect(refersTo(vars.PICSTACK_TABLE, `Ref${ids.table}`)).toBe(true);
      expect(refersTo(vars.PICSTACK_BUCKET, `Ref${ids.bucket}`)).toBe(true);
      expect(refersTo(vars.PICSTACK_QUEUE_URL, `Ref${ids.queue}`)).toBe(true);
      const issuer = vars.PICSTACK_AUTH_ISSUER as { "Fn::Join": [string, unknown[]] };
      expect(issuer["Fn::Join"][1][0]).toBe("https://cognito-idp.us-east-1.amazonaws.com/");
      expect(refersTo(issuer, `Ref${poolId}`)).toBe(true);
      expect(refersTo(vars.PICSTACK_AUTH_AUDIENCE, `Ref${clientId}`)).toBe(true);
      expect(vars.PICSTACK_AUTH_JWKS_URL).toEqual({
        "Fn::Join": ["", [...issuer["Fn::Join"][1], "/.well-known/jwks.json"]],
      });
      if ((functions[id] as FunctionSpec).permissions.cursorSecret) {
        expect(refersTo(vars.PICSTACK_CURSOR_SECRET_ARN, `Ref${ids.cursorSecret}`)).toBe(true);
      } else {
        expect(vars.PICSTACK_CURSOR_SECRET_ARN).toBeUndefined();
      }
      for (const localOnly of [
        "PICSTACK_CURSOR_SECRET",
        "PICSTACK_AUTH_JWKS",
        "PICSTACK_S3_PUBLIC_ENDPOINT",
        "PICSTACK_S3_FORCE_PATH_STYLE",
        "AWS_ENDPOINT_URL",
        "OPENAI_API_KEY",
        "NODE_OPTIONS",
        ...Object.values(testSettings),
      ]) {
        expect(vars[localOnly], localOnly).toBeUndefined();
      }
    },
  );

  it("gives the OpenAI key to the analysis functions only as a Secrets Manager secret, never in code", () => {
    // Prepare
    const [secretId, secret] = resourcesOf(storage, "AWS::SecretsManager::Secret").find(([id]) =>
      id.startsWith("OpenAiApiKey"),
    ) ?? ["", { Properties: {} } as Resource];
    const withKey = functionIds.filter((id) => (functions[id] as FunctionSpec).permissions.openAiKey);

    // Act
    const envs = functionIds.map((id) => {
      const [, fn] = lambdaOf(templateOf(id), id);
      return [id, (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables] as const;
    });

    // Assess
    expect(secretId).not.toBe("");
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(withKey).toContain(queueConsumer);
    for (const [id, vars] of envs) {
      expect(JSON.stringify(vars)).not.toMatch(/sk-[A-Za-z0-9]/);
      if (withKey.includes(id)) expect(refersTo(vars.PICSTACK_OPENAI_KEY_SECRET_ARN, secretId)).toBe(true);
      else expect(vars.PICSTACK_OPENAI_KEY_SECRET_ARN, id).toBeUndefined();
    }
  });
});

describe("least privilege", () => {
  // What each declared permission must turn into; written out here, independently of stacks/functions.ts,
  // from the API calls the code makes (packages/adapters, packages/functions).
  const TABLE_READ = ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"];
  /** TransactWriteItems is authorised by the actions of the items in it. */
  const TABLE_WRITE = [
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
  ];
  const OBJECT_ACTIONS = { get: "s3:GetObject", put: "s3:PutObject", delete: "s3:DeleteObject" } as const;
  /** Granted by the event source mapping. */
  const QUEUE_CONSUME = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
  ];
  /** SST enables active X-Ray tracing on every function. */
  const TRACING = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"];
  /** Only on rate-limit items: every key the call touches must start with RATE#. */
  const RATE_LIMIT = ["dynamodb:GetItem", "dynamodb:PutItem"];
  const RATE_LIMIT_CONDITION = { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["RATE#*"] } };
  const PREFIX: Record<BucketArea, string> = { originals: "images/", thumbnails: "thumbnails/" };
  const ORIGINALS = `bucket/${PREFIX.originals}*`;
  const THUMBNAILS = `bucket/${PREFIX.thumbnails}*`;

  /** "action on resource [if condition]", one per action and resource, for exact comparison. */
  const grant = (actions: readonly string[], resources: readonly string[], condition?: unknown) =>
    actions.flatMap((action) =>
      resources.map(
        (resource) => `${action} on ${resource}${condition ? ` if ${JSON.stringify(condition)}` : ""}`,
      ),
    );

  function expectedGrants(p: FunctionPermissions): string[] {
    const tableAndIndexes = ["table", "table/index/*"];
    const list = p.bucket?.list ?? [];
    return [
      ...grant(TRACING, ["*"]),
      ...(p.table === "inspect" ? grant(["dynamodb:DescribeTable"], ["table"]) : []),
      ...(p.table === "read" || p.table === "readWrite" ? grant(TABLE_READ, tableAndIndexes) : []),
      ...(p.table === "readWrite" ? grant(TABLE_WRITE, tableAndIndexes) : []),
      ...(
        Object.entries(p.bucket?.objects ?? {}) as Array<[BucketArea, Array<keyof typeof OBJECT_ACTIONS>]>
      ).flatMap(([area, actions]) =>
        grant(
          actions.map((a) => OBJECT_ACTIONS[a]),
          [`bucket/${PREFIX[area]}*`],
        ),
      ),
      ...(p.bucket?.inspect
        ? grant(["s3:ListBucket"], ["bucket"])
        : list.length
          ? grant(["s3:ListBucket"], ["bucket"], {
              StringLike: { "s3:prefix": list.map((a) => `${PREFIX[a]}*`) },
            })
          : []),
      ...(p.queue === "send" ? grant(["sqs:SendMessage"], ["queue"]) : []),
      ...(p.queue === "inspect" ? grant(["sqs:GetQueueAttributes"], ["queue"]) : []),
      ...(p.queue === "consume" ? grant(QUEUE_CONSUME, ["queue"]) : []),
      ...(p.rateLimit ? grant(RATE_LIMIT, ["table"], RATE_LIMIT_CONDITION) : []),
      ...(p.cursorSecret ? grant(["secretsmanager:GetSecretValue"], ["cursorSecret"]) : []),
      ...(p.openAiKey ? grant(["secretsmanager:GetSecretValue"], ["openAiKeySecret"]) : []),
    ].sort();
  }

  /** A statement's resource as "bucket/images/*", "table/index/*", "queue", "*": which one, and the ARN's tail. */
  function resourceLabel(resource: unknown): string {
    if (resource === "*") return "*";
    const json = JSON.stringify(resource);
    const named = Object.entries(storageIds()).filter(([, logicalId]) => json.includes(logicalId));
    expect(
      named.map(([name]) => name),
      json,
    ).toHaveLength(1);
    const join = (resource as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"];
    const tail = join
      ? join[1]
          .slice(1)
          .map((part) => (typeof part === "string" ? part : "?"))
          .join("")
      : "";
    return `${named[0]?.[0]}${tail}`;
  }

  function grantsOf(id: FunctionId): string[] {
    const template = templateOf(id);
    return roleStatementsOf(template, lambdaOf(template, id)[1])
      .flatMap((statement) => {
        expect(statement.Effect).toBe("Allow");
        return grant(
          actionsOf(statement),
          [statement.Resource].flat().map(resourceLabel),
          statement.Condition,
        );
      })
      .sort();
  }

  it.each(functionIds)("%s is granted exactly the statements its declared permissions imply", (id) => {
    // Prepare
    const expected = expectedGrants(functions[id].permissions);

    // Act
    const granted = grantsOf(id);

    // Assess
    expect(granted).toEqual(expected);
  });

  it("grants each function the object access its code needs, per prefix, and no more", () => {
    // Prepare: what the handlers do with objects (presigned URLs need the action the URL performs).
    const downloads = [`s3:GetObject on ${ORIGINALS}`, `s3:GetObject on ${THUMBNAILS}`];
    const needed: Partial<Record<FunctionId, string[]>> = {
      createImage: [`s3:PutObject on ${ORIGINALS}`],
      listImages: downloads,
      getImage: downloads,
      updateImage: downloads,
      restoreImage: downloads,
      analyzeImage: downloads,
      // Reads the original and, to analyse again, the preview; writes thumbnails; removes a refused
      // upload's objects; lists the prefixes it reads, so that a missing object answers 404, not 403.
      processUpload: [
        `s3:GetObject on ${ORIGINALS}`,
        `s3:DeleteObject on ${ORIGINALS}`,
        `s3:GetObject on ${THUMBNAILS}`,
        `s3:PutObject on ${THUMBNAILS}`,
        `s3:DeleteObject on ${THUMBNAILS}`,
        `s3:ListBucket on bucket if ${JSON.stringify({
          StringLike: { "s3:prefix": [`${PREFIX.originals}*`, `${PREFIX.thumbnails}*`] },
        })}`,
      ],
      purgeDeleted: [`s3:DeleteObject on ${ORIGINALS}`, `s3:DeleteObject on ${THUMBNAILS}`],
      // HeadBucket needs s3:ListBucket, which no prefix condition can allow.
      health: ["s3:ListBucket on bucket"],
    };

    for (const id of functionIds) {
      // Act
      const s3 = grantsOf(id).filter((g) => g.startsWith("s3:"));

      // Assess
      expect(s3, id).toEqual([...(needed[id] ?? [])].sort());
    }
  });

  it("lets health describe the table, check the bucket and read the queue's attributes, nothing else", () => {
    // Prepare / Act
    const granted = grantsOf("health").filter((g) => !g.startsWith("xray:"));

    // Assess
    expect(granted).toEqual(
      [
        "dynamodb:DescribeTable on table",
        "s3:ListBucket on bucket",
        "sqs:GetQueueAttributes on queue",
      ].sort(),
    );
  });

  it("grants no DynamoDB action the code does not call", () => {
    // Prepare
    const called = new Set([...TABLE_READ, ...TABLE_WRITE, "dynamodb:DescribeTable"]);

    // Act
    const actions = functionIds.flatMap((id) => grantsOf(id).map((g) => g.split(" ")[0] as string));

    // Assess
    expect(actions).not.toContain("dynamodb:BatchWriteItem");
    expect(actions).not.toContain("dynamodb:Scan");
    expect(actions.filter((a) => a.startsWith("dynamodb:") && !called.has(a))).toEqual([]);
    expect(
      functionIds.filter((id) => grantsOf(id).some((g) => g.startsWith("dynamodb:DescribeTable"))),
    ).toEqual(["health"]);
  });

  it("grants object access under the prefixes the code writes its keys under, where stored objects are", () => {
    // Prepare
    const [id, createdAt] = ["img1", "2026-03-04T05:06:07.000Z"];

    // Act: the keys packages/core's storage layout writes.
    const originals = ALLOWED_CONTENT_TYPES.map((type) => originalKey(id, createdAt, type));
    const thumbnails = (["thumb", "preview"] as const).map((size) => thumbnailKey(id, createdAt, size));

    // Assess
    expect(bucketAreaPrefixes).toEqual(PREFIX);
    for (const key of originals) expect(key.startsWith(PREFIX.originals), key).toBe(true);
    for (const key of thumbnails) expect(key.startsWith(PREFIX.thumbnails), key).toBe(true);
  });

  it("keeps reads from writing and uploads from deleting", () => {
    // Prepare
    // Statements scoped by a condition (the rate-limit items) are checked in the exact-statement test.
    const actions = (id: FunctionId) => {
      const template = templateOf(id);
      return roleStatementsOf(template, lambdaOf(template, id)[1])
        .filter((statement) => !statement.Condition)
        .flatMap(actionsOf);
    };

    // Act
    const getImage = actions("getImage");
    const createImage = actions("createImage");
    const health = actions("health");

    // Assess
    for (const write of ["s3:PutObject", "s3:DeleteObject", "dynamodb:PutItem", "dynamodb:UpdateItem"]) {
      expect(getImage).not.toContain(write);
    }
    expect(createImage).not.toContain("s3:DeleteObject");
    expect(createImage).not.toContain("s3:GetObject");
    expect(health).not.toContain("s3:GetObject");
    expect(health).not.toContain("dynamodb:PutItem");
    expect(health).not.toContain("sqs:SendMessage");
  });

  it("grants objects only under the declared prefixes, and no other wildcard resource", () => {
    // Prepare
    const allowedWildcards = new Set([ORIGINALS, THUMBNAILS, "table/index/*"]);

    // Act
    const resources = functionIds.flatMap((id) =>
      grantsOf(id)
        .filter((g) => !g.startsWith("xray:"))
        .map((g) => g.split(" ")[2] as string),
    );

    // Assess
    expect(resources.length).toBeGreaterThan(0);
    expect(resources.filter((r) => r.includes("*") && !allowedWildcards.has(r))).toEqual([]);
    expect(resources).not.toContain("bucket/*");
  });

  it("grants no wildcard action on any data service, in any policy of any stack", () => {
    // Prepare
    const forbidden = new Set(["*", "s3:*", "dynamodb:*", "sqs:*"]);
    const templates = Object.values(synth.templates);

    // Act
    const identityActions = templates.flatMap((t) =>
      allStatementsOf(t)
        .filter((s) => s.Effect === "Allow")
        .flatMap(actionsOf),
    );
    const functionActions = functionIds.flatMap((id) =>
      roleStatementsOf(templateOf(id), lambdaOf(templateOf(id), id)[1]).flatMap(actionsOf),
    );

    // Assess
    expect(identityActions.length).toBeGreaterThan(0);
    expect(identityActions.filter((a) => forbidden.has(a))).toEqual([]);
    expect(functionActions.filter((a) => a.includes("*"))).toEqual([]);
  });
});

describe("REST API", () => {
  it("has one AWS_PROXY method per declared route, integrated with that route's function", () => {
    // Prepare
    const methods = resourcesOf(api, "AWS::ApiGateway::Method")
      .map(([, m]) => m.Properties)
      .filter((m) => m.HttpMethod !== "OPTIONS");

    // Act
    const declared = methods.map((m) => `${m.HttpMethod} ${apiPathOf(api, m.ResourceId)}`).sort();

    // Assess
    expect(declared).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of routes) {
      const method = methods.find(
        (m) => m.HttpMethod === route.method && apiPathOf(api, m.ResourceId) === route.path,
      ) as Record<string, unknown>;
      const integration = method.Integration as Record<string, unknown>;
      expect(integration.Type, `${route.method} ${route.path}`).toBe("AWS_PROXY");
      expect(integration.IntegrationHttpMethod).toBe("POST");
      const [targetId] = lambdaOf(api, route.function);
      expect(refersTo(integration.Uri, targetId), `${route.method} ${route.path} → ${route.function}`).toBe(
        true,
      );
      for (const other of routes.filter((r) => r.function !== route.function)) {
        expect(refersTo(integration.Uri, lambdaOf(api, other.function)[0])).toBe(false);
      }
      // Auth is checked by the handlers' middleware, not by API Gateway.
      expect(method.AuthorizationType).toBe("NONE");
    }
  });

  it("throttles every method of the stage at the declared rate and burst", () => {
    // Prepare / Act
    const [, stage] = onlyOf(api, "AWS::ApiGateway::Stage");

    // Assess
    expect(stage.Properties.MethodSettings).toEqual([
      expect.objectContaining({
        HttpMethod: "*",
        ResourcePath: "/*",
        ThrottlingRateLimit: capacity.apiThrottle.rateLimit,
        ThrottlingBurstLimit: capacity.apiThrottle.burstLimit,
      }),
    ]);
  });

  it("deploys to a stage named after the SST stage", () => {
    // Prepare / Act
    const [, stage] = onlyOf(api, "AWS::ApiGateway::Stage");

    // Assess
    expect(stage.Properties.StageName).toBe(STAGE);
  });

  it("answers CORS preflights and its own errors for the web origin only", () => {
    // Prepare
    const preflights = resourcesOf(api, "AWS::ApiGateway::Method").filter(
      ([, m]) => m.Properties.HttpMethod === "OPTIONS",
    );
    const gatewayResponses = resourcesOf(api, "AWS::ApiGateway::GatewayResponse");

    // Act
    const origins = preflights.map(([, m]) => {
      const responses = (m.Properties.Integration as { IntegrationResponses: Array<Record<string, unknown>> })
        .IntegrationResponses;
      const params = responses[0]?.ResponseParameters as Record<string, string>;
      return params["method.response.header.Access-Control-Allow-Origin"];
    });

    // Assess
    expect(preflights.map(([, m]) => apiPathOf(api, m.Properties.ResourceId)).sort()).toEqual(
      ["/", ...new Set(routes.map((r) => r.path).flatMap((p) => prefixesOf(p)))].sort(),
    );
    expect(new Set(origins)).toEqual(new Set([`'${TEST_WEB_ORIGIN}'`]));
    expect(gatewayResponses.map(([, r]) => r.Properties.ResponseType).sort()).toEqual(
      gatewayResponseSpecs.map((r) => r.type).sort(),
    );
    for (const [, r] of gatewayResponses) {
      const spec = gatewayResponseSpecs.find((g) => g.type === r.Properties.ResponseType);
      expect(r.Properties.ResponseParameters).toMatchObject({
        "gatewayresponse.header.Access-Control-Allow-Origin": `'${TEST_WEB_ORIGIN}'`,
      });
      // The contract's error shape, with a snake_case code, instead of the gateway's {"message": ...}.
      const body = JSON.parse(
        (r.Properties.ResponseTemplates as Record<string, string>)["application/json"] ?? "",
      );
      expect(body).toEqual({ error: { code: spec?.code, message: expect.any(String) } });
      expect(spec?.code).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(r.Properties.StatusCode).toBe(spec?.statusCode ? String(spec.statusCode) : undefined);
    }
  });
});

/** "/images/{id}" → ["/images", "/images/{id}"]: every API resource a route path creates. */
function prefixesOf(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join("/")}`);
}

describe("scheduled jobs", () => {
  const scheduled = functionIds.filter((id) => scheduleOf(id));

  it("has a scheduled function in the declaration to test", () => {
    // Prepare / Act (the declaration) / Assess
    expect(scheduled.length).toBeGreaterThan(0);
  });

  it.each(scheduled)("%s runs on its declared schedule", (id) => {
    // Prepare
    const [fnId] = lambdaOf(jobs, id);

    // Act
    const rules = resourcesOf(jobs, "AWS::Events::Rule").filter(([, r]) =>
      (r.Properties.Targets as Array<{ Arn: unknown }>).some((t) => refersTo(t.Arn, fnId)),
    );
    const invokers = resourcesOf(jobs, "AWS::Lambda::Permission").filter(([, p]) =>
      refersTo(p.Properties.FunctionName, fnId),
    );

    // Assess
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0] as [string, Resource];
    expect(rule.Properties.ScheduleExpression).toBe(scheduleOf(id));
    expect(rule.Properties.State).toBe("ENABLED");
    expect(invokers).toHaveLength(1);
    expect(invokers[0]?.[1].Properties).toMatchObject({
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      SourceArn: { "Fn::GetAtt": [ruleId, "Arn"] },
    });
  });

  it("schedules nothing that is not declared with a schedule", () => {
    // Prepare
    const templates = Object.values(synth.templates);

    // Act
    const rules = templates.flatMap((t) => resourcesOf(t, "AWS::Events::Rule"));

    // Assess
    expect(rules.map(([, r]) => r.Properties.ScheduleExpression).sort()).toEqual(
      scheduled.map((id) => scheduleOf(id)).sort(),
    );
  });
});

describe("auth", () => {
  it("creates a Cognito user pool signing in by email, with a secretless SRP and password client", () => {
    // Prepare
    const [poolId, pool] = onlyOf(auth, "AWS::Cognito::UserPool");

    // Act
    const [, client] = onlyOf(auth, "AWS::Cognito::UserPoolClient");

    // Assess
    expect(pool.Properties.UsernameAttributes).toEqual(["email"]);
    expect(pool.Properties.AutoVerifiedAttributes).toEqual(["email"]);
    expect(client.Properties.UserPoolId).toEqual({ Ref: poolId });
    expect(client.Properties.GenerateSecret).toBe(false);
    expect([...(client.Properties.ExplicitAuthFlows as string[])].sort()).toEqual([
      "ALLOW_REFRESH_TOKEN_AUTH",
      "ALLOW_USER_PASSWORD_AUTH",
      "ALLOW_USER_SRP_AUTH",
    ]);
  });

  it("lets the web gallery sign in through the hosted UI with the code flow, back to the web origin only", () => {
    // Prepare
    const [poolId] = onlyOf(auth, "AWS::Cognito::UserPool");

    // Act
    const [, client] = onlyOf(auth, "AWS::Cognito::UserPoolClient");
    const [, domain] = onlyOf(auth, "AWS::Cognito::UserPoolDomain");

    // Assess
    expect(domain.Properties.UserPoolId).toEqual({ Ref: poolId });
    expect(client.Properties.AllowedOAuthFlows).toEqual(["code"]);
    expect(client.Properties.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect([...(client.Properties.AllowedOAuthScopes as string[])].sort()).toEqual(["email", "openid"]);
    expect(client.Properties.CallbackURLs).toEqual([`${TEST_WEB_ORIGIN}/`]);
    expect(client.Properties.LogoutURLs).toEqual([`${TEST_WEB_ORIGIN}/`]);
  });
});

describe("web gallery", () => {
  it("is a static site behind CloudFront, with a private bucket", () => {
    // Act
    const [, distribution] = onlyOf(web, "AWS::CloudFront::Distribution");
    const [, bucket] = onlyOf(web, "AWS::S3::Bucket");

    // Assess
    const config = distribution.Properties.DistributionConfig as Record<string, unknown>;
    expect(config.DefaultRootObject).toBe("index.html");
    expect(config.DefaultCacheBehavior).toMatchObject({ ViewerProtocolPolicy: "redirect-to-https" });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toMatchObject({
      BlockPublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it("is built with the deployed API URL, Cognito client and hosted UI in place of its placeholders", () => {
    // Prepare
    const [restApiId] = onlyOf(api, "AWS::ApiGateway::RestApi");

    // Act
    const deployments = resourcesOf(web, "Custom::S3Uploader");
    const replaces = deployments.flatMap(
      ([, r]) => (r.Properties.replaceValues ?? []) as { files: string; search: string; replace: unknown }[],
    );
    const replacement = (name: string) =>
      replaces.find((r) => r.search === `{{ ${name} }}` && r.files === "**/*.js");

    // Assess
    expect(deployments).toHaveLength(1);
    expect(JSON.stringify(replacement("VITE_PICSTACK_API_URL")?.replace)).toContain(restApiId);
    expect(replacement("VITE_PICSTACK_COGNITO_CLIENT_ID")?.replace).toBeDefined();
    expect(replacement("VITE_PICSTACK_COGNITO_DOMAIN")?.replace).toBeDefined();
    expect(restApiId).toBeTruthy();
    expect(Object.keys(web.toJSON().Outputs as object)).toContain("WebUrl");
  });
});

describe("outputs", () => {
  it("names every resource a client or operator needs", () => {
    // Prepare
    const ids = storageIds();
    const [poolId] = onlyOf(auth, "AWS::Cognito::UserPool");
    const [clientId] = onlyOf(auth, "AWS::Cognito::UserPoolClient");
    const [restApiId] = onlyOf(api, "AWS::ApiGateway::RestApi");

    // Act
    const outputs = {
      ...storage.toJSON().Outputs,
      ...auth.toJSON().Outputs,
      ...api.toJSON().Outputs,
    } as Record<string, { Value: unknown }>;

    // Assess
    expect(outputs.BucketName?.Value).toEqual({ Ref: ids.bucket });
    expect(outputs.TableName?.Value).toEqual({ Ref: ids.table });
    expect(outputs.QueueUrl?.Value).toEqual({ Ref: ids.queue });
    expect(outputs.DeadLetterQueueUrl?.Value).toEqual({ Ref: ids.deadLetterQueue });
    expect(outputs.UserPoolId?.Value).toEqual({ Ref: poolId });
    expect(outputs.UserPoolClientId?.Value).toEqual({ Ref: clientId });
    expect(refersTo(outputs.ApiUrl?.Value, restApiId)).toBe(true);
    expect(outputs.Region?.Value).toBe("us-east-1");
  });

  it.each(functionIds)("names the Lambda function of %s, in the stack that holds it", (id) => {
    // Prepare
    const template = templateOf(id);
    const [fnId] = lambdaOf(template, id);

    // Act
    const output = (template.toJSON().Outputs as Record<string, { Value: unknown }>)[`${id}FunctionName`];

    // Assess
    expect(output?.Value).toEqual({ Ref: fnId });
  });
});
