/**
 * Offline assertions on the synthesized CloudFormation: every resource the foundation needs, with the
 * settings from infrastructure/picstack.ts, and least-privilege permissions per function.
 */
import {
  bucket as bucketSpec,
  type FunctionId,
  functions,
  queue as queueSpec,
  routes,
  table as tableSpec,
} from "@picstack/infrastructure";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { type Synthesized, synthesize } from "./synth.js";

type Resource = { Type: string; Properties: Record<string, unknown> };

let t: Synthesized;

beforeAll(async () => {
  t = await synthesize();
});

function resources(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.findResources(type)) as Array<[string, Resource]>;
}

function only(template: Template, type: string): Resource {
  const found = resources(template, type);
  expect(found, type).toHaveLength(1);
  return (found[0] as [string, Resource])[1];
}

/** The logical id of the Lambda function built for a declared function (SST names them by id). */
function functionLogicalId(template: Template, id: FunctionId): string {
  const match = resources(template, "AWS::Lambda::Function").find(
    ([logicalId, r]) => logicalId.startsWith(id) && r.Properties.Description === functions[id].description,
  );
  if (!match) throw new Error(`no Lambda function for ${id}`);
  return match[0];
}

function templateOf(id: FunctionId): Template {
  return id === "processUpload" ? t.analysis : t.api;
}

/** Every IAM action granted to a function's role, flattened. */
function actionsOf(id: FunctionId): string[] {
  const template = templateOf(id);
  const fn = template.findResources("AWS::Lambda::Function")[functionLogicalId(template, id)] as Resource;
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const policies = resources(template, "AWS::IAM::Policy").filter(([, p]) =>
    (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId),
  );
  return policies.flatMap(([, p]) =>
    (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement.flatMap(
      (s) => (Array.isArray(s.Action) ? s.Action : [s.Action]),
    ),
  );
}

describe("bucket", () => {
  it("blocks every kind of public access and encrypts at rest", () => {
    const bucket = only(t.storage, "AWS::S3::Bucket");
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
    });
  });

  it("denies every request that is not over TLS", () => {
    t.storage.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Principal: { AWS: "*" },
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("allows browser uploads from the web origin only", () => {
    const bucket = only(t.storage, "AWS::S3::Bucket");
    expect(bucket.Properties.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedOrigins: ["http://localhost:5173"],
          AllowedMethods: [...bucketSpec.corsMethods],
          AllowedHeaders: ["*"],
          ExposedHeaders: ["ETag"],
          MaxAge: bucketSpec.corsMaxAgeSeconds,
        },
      ],
    });
  });

  it("sends ObjectCreated events under images/ to the analysis queue", () => {
    const [queueId] =
      resources(t.storage, "AWS::SQS::Queue").find(([, q]) => q.Properties.RedrivePolicy) ?? [];
    t.storage.hasResourceProperties("Custom::S3BucketNotifications", {
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ["s3:ObjectCreated:*"],
            Filter: { Key: { FilterRules: [{ Name: "prefix", Value: bucketSpec.uploadPrefix }] } },
            QueueArn: { "Fn::GetAtt": [queueId, "Arn"] },
          },
        ],
      },
    });
  });
});

describe("queue", () => {
  it("outlasts the consumer's timeout and dead-letters after the declared receives", () => {
    const queues = resources(t.storage, "AWS::SQS::Queue");
    const main = queues.find(([, q]) => q.Properties.RedrivePolicy);
    const dlq = queues.find(([, q]) => !q.Properties.RedrivePolicy);
    expect(main && dlq).toBeTruthy();
    const props = (main as [string, Resource])[1].Properties;
    expect(props.VisibilityTimeout).toBe(queueSpec.visibilityTimeoutSeconds);
    expect(props.VisibilityTimeout as number).toBeGreaterThan(functions.processUpload.timeout);
    expect(props.RedrivePolicy).toEqual({
      deadLetterTargetArn: { "Fn::GetAtt": [(dlq as [string, Resource])[0], "Arn"] },
      maxReceiveCount: queueSpec.maxReceiveCount,
    });
    expect(props.SqsManagedSseEnabled).toBe(true);
  });

  it("is consumed by the analysis function with partial batch responses", () => {
    const mapping = only(t.analysis, "AWS::Lambda::EventSourceMapping");
    expect(mapping.Properties).toMatchObject({
      BatchSize: queueSpec.batchSize,
      MaximumBatchingWindowInSeconds: queueSpec.maxBatchingWindowSeconds,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      FunctionName: { Ref: functionLogicalId(t.analysis, "processUpload") },
    });
  });
});

describe("table", () => {
  it("is on-demand with point-in-time recovery and the declared keys", () => {
    const table = only(t.storage, "AWS::DynamoDB::Table");
    expect(table.Properties.BillingMode).toBe("PAY_PER_REQUEST");
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: tableSpec.partitionKey, KeyType: "HASH" },
      { AttributeName: tableSpec.sortKey, KeyType: "RANGE" },
    ]);
  });

  it("has the user and tag indexes, each keyed as declared and projecting every attribute", () => {
    const table = only(t.storage, "AWS::DynamoDB::Table");
    const indexes = table.Properties.GlobalSecondaryIndexes as Array<Record<string, unknown>>;
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
});

describe("functions", () => {
  const ids = Object.keys(functions) as FunctionId[];

  it.each(ids)("%s runs on nodejs22.x with its declared memory and timeout", (id) => {
    const template = templateOf(id);
    const fn = template.findResources("AWS::Lambda::Function")[functionLogicalId(template, id)] as Resource;
    expect(fn.Properties).toMatchObject({
      Runtime: "nodejs22.x",
      MemorySize: functions[id].memorySize,
      Timeout: functions[id].timeout,
    });
  });

  it("gives the sharp layer to the analysis function and to no other", () => {
    const layerId = resources(t.analysis, "AWS::Lambda::LayerVersion")[0]?.[0];
    expect(layerId).toBeDefined();
    const worker = t.analysis.findResources("AWS::Lambda::Function")[
      functionLogicalId(t.analysis, "processUpload")
    ] as Resource;
    expect(worker.Properties.Layers).toEqual([{ Ref: layerId }]);
    for (const id of ids.filter((i) => i !== "processUpload")) {
      const fn = t.api.findResources("AWS::Lambda::Function")[functionLogicalId(t.api, id)] as Resource;
      expect(fn.Properties.Layers, id).toBeUndefined();
    }
  });

  it("passes every function its resources and the Cognito issuer", () => {
    for (const id of ids) {
      const template = templateOf(id);
      const fn = template.findResources("AWS::Lambda::Function")[functionLogicalId(template, id)] as Resource;
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      for (const name of [
        "PICSTACK_TABLE",
        "PICSTACK_BUCKET",
        "PICSTACK_QUEUE_URL",
        "PICSTACK_WEB_ORIGIN",
        "PICSTACK_AUTH_ISSUER",
        "PICSTACK_AUTH_AUDIENCE",
        "PICSTACK_AUTH_JWKS_URL",
      ]) {
        expect(variables[name], `${id} ${name}`).toBeDefined();
      }
      expect(JSON.stringify(variables.PICSTACK_AUTH_ISSUER)).toContain("cognito-idp");
      // Local-only settings never reach AWS.
      expect(variables.AWS_ENDPOINT_URL).toBeUndefined();
      expect(variables.PICSTACK_AUTH_JWKS).toBeUndefined();
    }
  });
});

describe("least privilege", () => {
  const expected: Record<FunctionId, { has: string[]; lacks: string[] }> = {
    createImage: {
      has: ["dynamodb:PutItem", "s3:PutObject"],
      lacks: ["s3:GetObject", "s3:DeleteObject", "sqs:SendMessage", "sqs:ReceiveMessage"],
    },
    getImage: {
      has: ["dynamodb:GetItem", "s3:GetObject"],
      lacks: [
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "s3:PutObject",
        "s3:DeleteObject",
      ],
    },
    health: {
      has: ["dynamodb:DescribeTable", "s3:ListBucket", "sqs:GetQueueAttributes"],
      lacks: ["dynamodb:PutItem", "s3:GetObject", "s3:PutObject", "sqs:ReceiveMessage"],
    },
    processUpload: {
      has: [
        "dynamodb:UpdateItem",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
      ],
      lacks: ["sqs:SendMessage", "s3:ListBucket"],
    },
  };

  it.each(Object.keys(expected) as FunctionId[])("%s has only the actions it uses", (id) => {
    const actions = actionsOf(id);
    for (const action of expected[id].has) expect(actions, `${id} needs ${action}`).toContain(action);
    for (const action of expected[id].lacks)
      expect(actions, `${id} must not have ${action}`).not.toContain(action);
  });

  it("grants no wildcard action to any function", () => {
    for (const id of Object.keys(functions) as FunctionId[]) {
      for (const action of actionsOf(id)) {
        expect(action, id).not.toMatch(/(^\*$)|(:\*$)/);
      }
    }
  });
});

describe("REST API", () => {
  it("has one AWS_PROXY method per declared route, integrated with that route's function", () => {
    const apiResources = t.api.findResources("AWS::ApiGateway::Resource") as Record<string, Resource>;
    const pathOf = (ref: unknown): string => {
      const id = (ref as { Ref?: string }).Ref;
      if (!id) return "";
      const r = apiResources[id] as Resource;
      return `${pathOf(r.Properties.ParentId)}/${r.Properties.PathPart}`;
    };
    const methods = resources(t.api, "AWS::ApiGateway::Method")
      .map(([, m]) => m.Properties)
      .filter((m) => m.HttpMethod !== "OPTIONS");
    expect(methods).toHaveLength(routes.length);
    for (const route of routes) {
      const method = methods.find(
        (m) => m.HttpMethod === route.method && pathOf(m.ResourceId) === route.path,
      );
      expect(method, `${route.method} ${route.path}`).toBeDefined();
      const integration = (method as Record<string, unknown>).Integration as Record<string, unknown>;
      expect(integration.Type).toBe("AWS_PROXY");
      expect(JSON.stringify(integration.Uri)).toContain(functionLogicalId(t.api, route.function));
      expect((method as Record<string, unknown>).AuthorizationType).toBe("NONE");
    }
  });

  it("answers CORS preflights for the web origin only", () => {
    const preflights = resources(t.api, "AWS::ApiGateway::Method").filter(
      ([, m]) => m.Properties.HttpMethod === "OPTIONS",
    );
    expect(preflights.length).toBeGreaterThan(0);
    for (const [, m] of preflights) {
      const headers = JSON.stringify(m.Properties.Integration);
      expect(headers).toContain("'http://localhost:5173'");
      expect(headers).not.toContain("'*'");
    }
  });
});

describe("auth", () => {
  it("creates a Cognito user pool with a public client for the web app", () => {
    only(t.auth, "AWS::Cognito::UserPool");
    const client = only(t.auth, "AWS::Cognito::UserPoolClient");
    expect(client.Properties.GenerateSecret).toBe(false);
  });
});
