/**
 * Provisions Picstack on a local emulator (MiniStack or LocalStack) with plain SDK calls, from the same
 * declaration the SST stacks use. Every step is create-or-update, so re-running redeploys code and
 * configuration and keeps data.
 */
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  PutGatewayResponseCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  type Resource,
} from "@aws-sdk/client-api-gateway";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import {
  AddPermissionCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  GetFunctionCommand,
  type GetFunctionCommandOutput,
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException as LambdaNotFound,
  ListEventSourceMappingsCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutBucketNotificationConfigurationCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoImageRepository } from "@picstack/adapters/dynamodb";
import {
  bucket as bucketSpec,
  env,
  type FunctionId,
  functions,
  gatewayResponseBody,
  gatewayResponses,
  LOCAL_STAGE,
  queueConsumer,
  queue as queueSpec,
  RUNTIME,
  resourceNames,
  routes,
  table as tableSpec,
} from "@picstack/infrastructure";
import { buildSharpLayer } from "@picstack/infrastructure/layers/sharp";
import { type Bundle, bundleFunction, zipDirectory } from "./bundle.js";
import { DEV_AUDIENCE, DEV_ISSUER, devCursorSecret, devJwks } from "./dev-issuer.js";
import type { Target } from "./emulator.js";

export const REGION = "us-east-1";
const ACCOUNT = "000000000000";

export interface DeployOptions {
  target: Target;
  /** Emulator endpoint as this machine reaches it. */
  endpoint: string;
  webOrigin: string;
  stage?: string;
  home?: string;
  /** Extra environment for every function (tests use this for settings of their own). */
  extraEnvironment?: Record<string, string>;
  /**
   * Pass the developer's OPENAI_API_KEY, OPENAI_BASE_URL, PICSTACK_ANALYSIS_PROVIDER and
   * PICSTACK_OPENAI_MODEL through to the functions. Off for tests, which never call a real provider.
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

function isName(error: unknown, ...names: string[]): boolean {
  return names.includes((error as Error)?.name);
}

/** SDK client settings for a local emulator: its endpoint, our region, and the emulators' dummy keys. */
export function emulatorClientConfig(endpoint: string) {
  return { endpoint, region: REGION, credentials: { accessKeyId: "test", secretAccessKey: "test" } };
}

export async function deploy(options: DeployOptions): Promise<Omit<Outputs, "webUrl">> {
  const stage = options.stage ?? LOCAL_STAGE;
  const names = resourceNames(stage);
  const log = options.log ?? (() => {});
  const client = emulatorClientConfig(options.endpoint);
  const s3 = new S3Client({ ...client, forcePathStyle: true });
  const sqs = new SQSClient(client);
  const dynamo = new DynamoDBClient(client);
  const lambda = new LambdaClient(client);
  const apigw = new APIGatewayClient(client);

  // Code first: a build error should stop the deploy before anything changes.
  log("bundling functions");
  const bundles = {} as Record<FunctionId, Bundle>;
  for (const id of Object.keys(functions) as FunctionId[]) bundles[id] = await bundleFunction(functions[id]);

  // Queue and dead-letter queue.
  log("queue");
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: names.deadLetterQueue })))
    .QueueUrl as string;
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: dlqUrl,
      Attributes: { MessageRetentionPeriod: String(queueSpec.deadLetterRetentionSeconds) },
    }),
  );
  const dlqArn = await queueArn(sqs, dlqUrl);
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: names.queue }))).QueueUrl as string;
  const mainArn = await queueArn(sqs, queueUrl);
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: {
        VisibilityTimeout: String(queueSpec.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(queueSpec.retentionSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: queueSpec.maxReceiveCount,
        }),
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "s3.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: mainArn,
              Condition: { ArnLike: { "aws:SourceArn": `arn:aws:s3:::${names.bucket}` } },
            },
          ],
        }),
      },
    }),
  );

  // Bucket: private, CORS for the web origin, uploads under images/ notify the queue.
  log("bucket");
  try {
    await s3.send(new CreateBucketCommand({ Bucket: names.bucket }));
  } catch (error) {
    if (!isName(error, "BucketAlreadyOwnedByYou", "BucketAlreadyExists")) throw error;
  }
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: names.bucket,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: names.bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: [options.webOrigin],
            AllowedMethods: [...bucketSpec.corsMethods],
            AllowedHeaders: ["*"],
            ExposeHeaders: ["ETag"],
            MaxAgeSeconds: bucketSpec.corsMaxAgeSeconds,
          },
        ],
      },
    }),
  );
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: names.bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Id: "uploads-to-analysis",
            QueueArn: mainArn,
            Events: ["s3:ObjectCreated:*"],
            Filter: { Key: { FilterRules: [{ Name: "prefix", Value: bucketSpec.uploadPrefix }] } },
          },
        ],
      },
    }),
  );

  // Table and its indexes.
  log("table");
  await ensureTable(dynamo, names.table, log);

  // The sharp layer, published again only when its content changes.
  log("sharp layer");
  const layerArn = await ensureSharpLayer(lambda, names.sharpLayer);

  // Functions.
  const jwks = await devJwks(options.home);
  const s3Endpoint = options.endpoint;
  const environment: Record<string, string> = {
    [env.stage]: stage,
    [env.table]: names.table,
    [env.bucket]: names.bucket,
    [env.queueUrl]: queueUrl,
    [env.webOrigin]: options.webOrigin,
    [env.authIssuer]: DEV_ISSUER,
    [env.authAudience]: DEV_AUDIENCE,
    [env.authJwks]: JSON.stringify(jwks),
    [env.cursorSecret]: await devCursorSecret(options.home),
    [env.s3PublicEndpoint]: s3Endpoint,
    [env.s3ForcePathStyle]: "true",
    // MiniStack runs functions on this machine; LocalStack runs them in containers next to itself.
    [env.awsEndpoint]:
      options.target === "localstack" ? "http://localhost.localstack.cloud:4566" : options.endpoint,
    NODE_OPTIONS: "--enable-source-maps",
    ...(options.passThroughAnalysisSettings ? analysisSettingsFromEnvironment() : {}),
    ...options.extraEnvironment,
  };
  const functionArns = {} as Record<FunctionId, string>;
  for (const id of Object.keys(functions) as FunctionId[]) {
    log(`function ${id}`);
    functionArns[id] = await ensureFunction(lambda, {
      name: names.function(id),
      id,
      bundle: bundles[id],
      environment,
      layers: functions[id].layers.map(() => layerArn),
    });
  }

  // The queue consumer.
  log("event source mapping");
  await ensureEventSourceMapping(lambda, names.function(queueConsumer), mainArn);

  // REST API: one proxy integration per route, then a deployment of the stage.
  log("REST API");
  const apiId = await ensureRestApi(apigw, lambda, names.api, stage, functionArns, options.webOrigin);

  const apiUrl = `${options.endpoint}/restapis/${apiId}/${stage}/_user_request_`;
  return {
    target: options.target,
    stage,
    region: REGION,
    endpoint: options.endpoint,
    apiUrl,
    apiId,
    bucket: names.bucket,
    table: names.table,
    queue: queueUrl,
    deadLetterQueue: dlqUrl,
    functions: Object.fromEntries(
      (Object.keys(functions) as FunctionId[]).map((id) => [id, names.function(id)]),
    ) as Record<FunctionId, string>,
  };
}

const PREFLIGHT_HEADERS = ["Allow-Origin", "Allow-Methods", "Allow-Headers", "Max-Age"].map(
  (h) => `method.response.header.Access-Control-${h}`,
);

async function ensurePreflight(
  apigw: APIGatewayClient,
  restApiId: string,
  resourceId: string,
  methods: string[],
  webOrigin: string,
): Promise<void> {
  const base = { restApiId, resourceId, httpMethod: "OPTIONS" };
  try {
    await apigw.send(new PutMethodCommand({ ...base, authorizationType: "NONE" }));
  } catch (error) {
    if (!isName(error, "ConflictException")) throw error;
  }
  await apigw.send(
    new PutIntegrationCommand({
      ...base,
      type: "MOCK",
      requestTemplates: { "application/json": '{"statusCode": 200}' },
    }),
  );
  await apigw.send(
    new PutMethodResponseCommand({
      ...base,
      statusCode: "204",
      responseParameters: Object.fromEntries(PREFLIGHT_HEADERS.map((h) => [h, true])),
    }),
  );
  const [origin, allowMethods, allowHeaders, maxAge] = PREFLIGHT_HEADERS as [string, string, string, string];
  await apigw.send(
    new PutIntegrationResponseCommand({
      ...base,
      statusCode: "204",
      responseParameters: {
        [origin]: `'${webOrigin}'`,
        [allowMethods]: `'${[...methods, "OPTIONS"].join(",")}'`,
        [allowHeaders]: "'Authorization,Content-Type'",
        [maxAge]: "'600'",
      },
    }),
  );
}

function analysisSettingsFromEnvironment(): Record<string, string> {
  const names = [
    env.openAiApiKey,
    env.openAiBaseUrl,
    env.analysisProvider,
    env.openAiModel,
    env.openAiTimeoutMs,
  ];
  return Object.fromEntries(
    names.flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])),
  );
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  const arn = attributes.Attributes?.QueueArn;
  if (!arn) throw new Error(`no ARN for queue ${url}`);
  return arn;
}

const indexSchema = (IndexName: string, index: { partitionKey: string; sortKey: string }) => ({
  IndexName,
  KeySchema: [
    { AttributeName: index.partitionKey, KeyType: "HASH" as const },
    { AttributeName: index.sortKey, KeyType: "RANGE" as const },
  ],
  Projection: { ProjectionType: "ALL" as const },
});

/**
 * Creates the table, or adds the indexes an existing one lacks: local data persists across deploys, so a
 * table from an earlier version gets the new index (one per UpdateTable, as DynamoDB allows) and its
 * records the keys for it.
 */
export async function ensureTable(
  dynamo: DynamoDBClient,
  name: string,
  log: (m: string) => void,
): Promise<void> {
  const indexes = Object.entries(tableSpec.indexes);
  let existing: Awaited<ReturnType<typeof describeTable>> | undefined;
  try {
    existing = await describeTable(dynamo, name);
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException) && !isName(error, "ResourceNotFoundException"))
      throw error;
  }
  if (existing) {
    const have = new Set(existing.GlobalSecondaryIndexes?.map((i) => i.IndexName));
    for (const [indexName, index] of indexes.filter(([n]) => !have.has(n))) {
      log(`table: adding index ${indexName}`);
      await dynamo.send(
        new UpdateTableCommand({
          TableName: name,
          AttributeDefinitions: [index.partitionKey, index.sortKey].map((AttributeName) => ({
            AttributeName,
            AttributeType: "S",
          })),
          GlobalSecondaryIndexUpdates: [{ Create: indexSchema(indexName, index) }],
        }),
      );
      await waitForIndex(dynamo, name, indexName);
    }
    // Records written before the status index existed have no keys for it; cheap when none are missing.
    const backfilled = await new DynamoImageRepository(
      DynamoDBDocumentClient.from(dynamo),
      name,
    ).backfillStatusKeys();
    if (backfilled > 0) log(`table: ${backfilled} records added to the status index`);
    return;
  }
  const attributes = new Set<string>([tableSpec.partitionKey, tableSpec.sortKey]);
  for (const [, index] of indexes) {
    attributes.add(index.partitionKey);
    attributes.add(index.sortKey);
  }
  await dynamo.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [...attributes].map((AttributeName) => ({ AttributeName, AttributeType: "S" })),
      KeySchema: [
        { AttributeName: tableSpec.partitionKey, KeyType: "HASH" },
        { AttributeName: tableSpec.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: indexes.map(([IndexName, index]) => indexSchema(IndexName, index)),
    }),
  );
  if (tableSpec.pointInTimeRecovery) {
    try {
      await dynamo.send(
        new UpdateContinuousBackupsCommand({
          TableName: name,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      );
    } catch {
      // Emulators may not model backups; in AWS the stack sets it.
    }
  }
}

async function describeTable(dynamo: DynamoDBClient, name: string) {
  const result = await dynamo.send(new DescribeTableCommand({ TableName: name }));
  if (!result.Table) throw new Error(`DescribeTable ${name} returned no table`);
  return result.Table;
}

/** An added index is usable once it is ACTIVE (AWS backfills it first; emulators are at once). */
async function waitForIndex(dynamo: DynamoDBClient, name: string, indexName: string): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const table = await describeTable(dynamo, name);
    const status = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === indexName)?.IndexStatus;
    if (status === "ACTIVE") return;
    if (Date.now() > deadline) throw new Error(`index ${indexName} of ${name} is still ${status}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function ensureSharpLayer(lambda: LambdaClient, name: string): Promise<string> {
  const root = await buildSharpLayer();
  const { zip, sha256 } = await zipDirectory(root);
  const marker = `sha256:${sha256}`;
  const versions = await lambda.send(new ListLayerVersionsCommand({ LayerName: name }));
  const current = versions.LayerVersions?.find((v) => v.Description === marker);
  if (current?.LayerVersionArn) return current.LayerVersionArn;
  const published = await lambda.send(
    new PublishLayerVersionCommand({
      LayerName: name,
      Description: marker,
      Content: { ZipFile: zip },
      CompatibleRuntimes: [RUNTIME],
      CompatibleArchitectures: ["x86_64"],
    }),
  );
  if (!published.LayerVersionArn) throw new Error("PublishLayerVersion returned no ARN");
  return published.LayerVersionArn;
}

interface FunctionDeployment {
  name: string;
  id: FunctionId;
  bundle: Bundle;
  environment: Record<string, string>;
  layers: string[];
}

async function ensureFunction(lambda: LambdaClient, fn: FunctionDeployment): Promise<string> {
  const spec = functions[fn.id];
  const configuration = {
    FunctionName: fn.name,
    Runtime: RUNTIME,
    Handler: fn.bundle.handler,
    Description: spec.description,
    MemorySize: spec.memorySize,
    Timeout: spec.timeout,
    Layers: fn.layers,
    Environment: { Variables: fn.environment },
    Role: `arn:aws:iam::${ACCOUNT}:role/${fn.name}`,
  } as const;
  const waiter = { client: lambda, maxWaitTime: 120, minDelay: 1, maxDelay: 2 };
  let existing: GetFunctionCommandOutput | undefined;
  try {
    existing = await lambda.send(new GetFunctionCommand({ FunctionName: fn.name }));
  } catch (error) {
    if (!(error instanceof LambdaNotFound) && !isName(error, "ResourceNotFoundException")) throw error;
  }
  if (!existing) {
    const created = await lambda.send(
      new CreateFunctionCommand({
        ...configuration,
        Code: { ZipFile: fn.bundle.zip },
        Architectures: ["x86_64"],
      }),
    );
    await waitUntilFunctionActiveV2(waiter, { FunctionName: fn.name });
    return created.FunctionArn as string;
  }
  const current = existing.Configuration;
  await lambda.send(new UpdateFunctionConfigurationCommand(configuration));
  await waitUntilFunctionUpdatedV2(waiter, { FunctionName: fn.name });
  if (current?.CodeSha256 !== fn.bundle.sha256) {
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: fn.name, ZipFile: fn.bundle.zip }));
    await waitUntilFunctionUpdatedV2(waiter, { FunctionName: fn.name });
  }
  return current?.FunctionArn as string;
}

async function ensureEventSourceMapping(lambda: LambdaClient, functionName: string, queueArnValue: string) {
  const settings = {
    BatchSize: queueSpec.batchSize,
    MaximumBatchingWindowInSeconds: queueSpec.maxBatchingWindowSeconds,
    FunctionResponseTypes: ["ReportBatchItemFailures" as const],
    Enabled: true,
  };
  const existing = await lambda.send(
    new ListEventSourceMappingsCommand({ FunctionName: functionName, EventSourceArn: queueArnValue }),
  );
  const mapping = existing.EventSourceMappings?.find((m) => m.EventSourceArn === queueArnValue);
  if (mapping?.UUID) {
    await lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, FunctionName: functionName, ...settings }),
    );
    return;
  }
  await lambda.send(
    new CreateEventSourceMappingCommand({
      FunctionName: functionName,
      EventSourceArn: queueArnValue,
      ...settings,
    }),
  );
}

async function ensureRestApi(
  apigw: APIGatewayClient,
  lambda: LambdaClient,
  name: string,
  stage: string,
  functionArns: Record<FunctionId, string>,
  webOrigin: string,
): Promise<string> {
  const apis = await apigw.send(new GetRestApisCommand({ limit: 500 }));
  let apiId = apis.items?.find((a) => a.name === name)?.id;
  if (!apiId) {
    const created = await apigw.send(
      new CreateRestApiCommand({
        name,
        description: "Picstack image API",
        endpointConfiguration: { types: ["REGIONAL"] },
      }),
    );
    apiId = created.id as string;
  }
  const resources = new Map<string, Resource>();
  for (const r of (await apigw.send(new GetResourcesCommand({ restApiId: apiId, limit: 500 }))).items ?? []) {
    if (r.path) resources.set(r.path, r);
  }
  const ensurePath = async (path: string): Promise<string> => {
    const found = resources.get(path);
    if (found?.id) return found.id;
    const cut = path.lastIndexOf("/");
    const parentPath = cut === 0 ? "/" : path.slice(0, cut);
    const parentId = await ensurePath(parentPath);
    const created = await apigw.send(
      new CreateResourceCommand({ restApiId: apiId, parentId, pathPart: path.slice(cut + 1) }),
    );
    resources.set(path, created);
    return created.id as string;
  };

  for (const route of routes) {
    const resourceId = await ensurePath(route.path);
    const functionArn = functionArns[route.function];
    try {
      await apigw.send(
        new PutMethodCommand({
          restApiId: apiId,
          resourceId,
          httpMethod: route.method,
          authorizationType: "NONE",
        }),
      );
    } catch (error) {
      if (!isName(error, "ConflictException")) throw error;
    }
    await apigw.send(
      new PutIntegrationCommand({
        restApiId: apiId,
        resourceId,
        httpMethod: route.method,
        type: "AWS_PROXY",
        integrationHttpMethod: "POST",
        uri: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
      }),
    );
    try {
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: functionArn,
          StatementId: `apigateway-${route.method}-${route.path.replace(/[^A-Za-z0-9]/g, "_")}`,
          Action: "lambda:InvokeFunction",
          Principal: "apigateway.amazonaws.com",
          SourceArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/*/${route.method}${route.path.replace(/\{[^}]+\}/g, "*")}`,
        }),
      );
    } catch (error) {
      if (!isName(error, "ResourceConflictException")) throw error;
    }
  }
  // CORS preflights, answered by API Gateway itself as in AWS (where the stack sets them up).
  for (const path of new Set(routes.map((r) => r.path))) {
    const methods = routes.filter((r) => r.path === path).map((r) => r.method);
    await ensurePreflight(apigw, apiId, await ensurePath(path), methods, webOrigin);
  }
  for (const response of gatewayResponses) {
    await apigw.send(
      new PutGatewayResponseCommand({
        restApiId: apiId,
        responseType: response.type,
        ...(response.statusCode ? { statusCode: String(response.statusCode) } : {}),
        responseParameters: {
          "gatewayresponse.header.Access-Control-Allow-Origin": `'${webOrigin}'`,
          "gatewayresponse.header.Vary": "'Origin'",
        },
        responseTemplates: { "application/json": gatewayResponseBody(response) },
      }),
    );
  }
  await apigw.send(
    new CreateDeploymentCommand({
      restApiId: apiId,
      stageName: stage,
      description: new Date().toISOString(),
    }),
  );
  return apiId;
}

/** Runs a scheduled job's function once (what EventBridge does on schedule in AWS). */
export async function runJob(endpoint: string, id: FunctionId, stage = LOCAL_STAGE): Promise<unknown> {
  const lambda = new LambdaClient(emulatorClientConfig(endpoint));
  const result = await lambda.send(
    new InvokeCommand({
      FunctionName: resourceNames(stage).function(id),
      Payload: new TextEncoder().encode("{}"),
    }),
  );
  const payload = result.Payload ? JSON.parse(new TextDecoder().decode(result.Payload)) : undefined;
  if (result.FunctionError) throw new Error(`${id} failed: ${JSON.stringify(payload)}`);
  return payload;
}
