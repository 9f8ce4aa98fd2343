/**
 * Offline assertions on the CloudFormation that `sst deploy --stage test` would deploy: every resource with
 * the settings from infrastructure/picstack.ts, least-privilege permissions per function, and the function
 * bundles SST builds.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import {
  bucket as bucketSpec,
  bundling,
  type FunctionId,
  type FunctionPermissions,
  type FunctionSpec,
  functions,
  gatewayResponses as gatewayResponseSpecs,
  queueConsumer,
  queue as queueSpec,
  RUNTIME,
  routes,
  table as tableSpec,
} from "@picstack/infrastructure";
import type { Template } from "aws-cdk-lib/assertions";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  synth = await synthesize({ stage: STAGE, bundle: true });
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
    const cors = bucket.Properties.CorsConfiguration;

    // Assess
    expect(cors).toEqual({
      CorsRules: [
        {
          AllowedOrigins: [TEST_WEB_ORIGIN],
          AllowedMethods: [...bucketSpec.corsMethods],
          AllowedHeaders: ["*"],
          ExposedHeaders: ["ETag"],
          MaxAge: bucketSpec.corsMaxAgeSeconds,
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

  it("is deleted with its objects when a non-production stage is removed", () => {
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

  it("is deleted when a non-production stage is removed", () => {
    // Prepare / Act
    const [, table] = onlyOf(storage, "AWS::DynamoDB::Table");

    // Assess
    expect(table.DeletionPolicy).toBe("Delete");
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
      expect(RUNTIME).toBe("nodejs22.x");
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
        "PICSTACK_TEST_FAULTS",
        "OPENAI_API_KEY",
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
  // What each declared permission must turn into; written out here, independently of stacks/functions.ts.
  const TABLE_READ = [
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
  ];
  const TABLE_WRITE = [
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
  ];
  const OBJECT_ACTIONS = { get: "s3:GetObject", put: "s3:PutObject", delete: "s3:DeleteObject" } as const;
  const QUEUE_SEND = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"];
  const QUEUE_CONSUME = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
  ];
  /** SST enables active X-Ray tracing on every function. */
  const TRACING = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"];

  const CURSOR_SECRET = ["secretsmanager:GetSecretValue"];
  /** Only on rate-limit items (keys starting RATE#), see the resource test below. */
  const RATE_LIMIT = ["dynamodb:GetItem", "dynamodb:PutItem"];

  function expectedActions(p: FunctionPermissions): string[] {
    return [
      ...(p.cursorSecret || p.openAiKey ? CURSOR_SECRET : []),
      ...(p.rateLimit ? RATE_LIMIT : []),
      ...TRACING,
      ...(p.table ? TABLE_READ : []),
      ...(p.table === "readWrite" ? TABLE_WRITE : []),
      ...(p.bucket ?? []).map((a) => (a === "list" ? "s3:ListBucket" : OBJECT_ACTIONS[a])),
      ...(p.queue === "send" ? QUEUE_SEND : p.queue === "consume" ? QUEUE_CONSUME : []),
    ];
  }

  const sorted = (actions: string[]) => [...new Set(actions)].sort();

  it.each(functionIds)("%s is granted exactly the actions its declared permissions imply", (id) => {
    // Prepare
    const template = templateOf(id);
    const [, fn] = lambdaOf(template, id);

    // Act
    const granted = roleStatementsOf(template, fn).flatMap(actionsOf);

    // Assess
    expect(sorted(granted)).toEqual(sorted(expectedActions(functions[id].permissions)));
  });

  it("keeps reads from writing and uploads from deleting", () => {
    // Prepare
    // Statements scoped by a condition (the rate-limit items) are checked in the resource test.
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
  });

  it.each(functionIds)("%s is granted each action on its resource only", (id) => {
    // Prepare
    const ids = storageIds();
    const template = templateOf(id);
    const [, fn] = lambdaOf(template, id);

    // Act
    const statements = roleStatementsOf(template, fn);

    // Assess
    for (const statement of statements) {
      const actions = actionsOf(statement);
      const resources = [statement.Resource].flat();
      const service = (actions[0] as string).split(":")[0];
      expect(
        actions.every((a) => a.startsWith(`${service}:`)),
        "one service per statement",
      ).toBe(true);
      if (service === "xray") {
        expect(statement.Resource).toBe("*"); // X-Ray actions support no resource-level permissions
      } else if (service === "dynamodb" && statement.Condition) {
        // The rate limiter: its own items only, whatever else the function may do.
        expect(functions[id].permissions).toMatchObject({ rateLimit: true });
        expect(sorted(actions)).toEqual(RATE_LIMIT);
        expect(resources).toHaveLength(1);
        expect(refersTo(resources[0], ids.table)).toBe(true);
        expect(statement.Condition).toEqual({
          "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["RATE#*"] },
        });
      } else if (service === "dynamodb") {
        expect(resources).toHaveLength(2);
        expect(refersTo(resources[0], ids.table)).toBe(true);
        expect(JSON.stringify(resources[1])).toMatch(new RegExp(`${ids.table}.*"/index/\\*"`));
      } else if (service === "s3") {
        expect(resources).toHaveLength(1);
        expect(refersTo(resources[0], ids.bucket)).toBe(true);
        const onObjects = JSON.stringify(resources[0]).endsWith('"/*"]]}');
        expect(onObjects).toBe(!actions.includes("s3:ListBucket"));
      } else if (service === "secretsmanager") {
        // Each secret only to the functions that declare it.
        expect(resources).toHaveLength(1);
        const permissions = functions[id].permissions as FunctionPermissions;
        const secret = refersTo(resources[0], ids.cursorSecret) ? "cursorSecret" : "openAiKey";
        expect(
          refersTo(resources[0], secret === "cursorSecret" ? ids.cursorSecret : ids.openAiKeySecret),
        ).toBe(true);
        expect(permissions[secret]).toBe(true);
      } else if (service === "sqs") {
        expect(resources).toHaveLength(1);
        expect(refersTo(resources[0], ids.queue)).toBe(true);
        expect(refersTo(resources[0], ids.deadLetterQueue)).toBe(false);
      } else {
        expect.fail(`unexpected ${service} statement for ${id}`);
      }
    }
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
});
