/**
 * Data resources: the private image bucket, the analysis queue with its dead-letter queue, the S3 →
 * SQS notification for new uploads, and the DynamoDB table with its user and tag indexes.
 */
import {
  bucket as bucketSpec,
  cors,
  queue as queueSpec,
  searchQueue as searchQueueSpec,
  table as tableSpec,
} from "@picstack/infrastructure";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3n from "aws-cdk-lib/aws-s3-notifications";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { StackContext } from "sst/constructs";
import { isDisposable, webOrigin } from "./settings.js";

export function Storage({ stack, app }: StackContext) {
  // Data outlives `sst remove` unless the deploy marked its stage disposable (settings.ts); a disposable
  // stage's bucket is emptied and deleted with the stack (CDK's auto-delete custom resource) instead of
  // being orphaned.
  const disposable = isDisposable(app);
  const removalPolicy = disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

  const bucket = new s3.Bucket(stack, "Images", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: false,
    removalPolicy,
    autoDeleteObjects: disposable,
    cors: [
      {
        allowedOrigins: [webOrigin(app)],
        allowedMethods: cors.bucket.allowMethods.map((m) => m as s3.HttpMethods),
        allowedHeaders: [...cors.bucket.allowHeaders],
        exposedHeaders: [...cors.bucket.exposeHeaders],
        maxAge: cors.bucket.maxAgeSeconds,
      },
    ],
    lifecycleRules: [
      { abortIncompleteMultipartUploadAfter: Duration.days(bucketSpec.abortIncompleteUploadDays) },
    ],
  });

  const deadLetterQueue = new sqs.Queue(stack, "AnalysisDeadLetter", {
    retentionPeriod: Duration.seconds(queueSpec.deadLetterRetentionSeconds),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });

  const queue = new sqs.Queue(stack, "Analysis", {
    visibilityTimeout: Duration.seconds(queueSpec.visibilityTimeoutSeconds),
    retentionPeriod: Duration.seconds(queueSpec.retentionSeconds),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: queueSpec.maxReceiveCount },
  });

  // Compaction requests for the per-user search indexes (docs/search.md), with a dead-letter queue of
  // their own: a user whose compaction keeps failing is visible there, and searches still answer.
  const searchDeadLetterQueue = new sqs.Queue(stack, "SearchIndexDeadLetter", {
    retentionPeriod: Duration.seconds(searchQueueSpec.deadLetterRetentionSeconds),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  const searchQueue = new sqs.Queue(stack, "SearchIndex", {
    visibilityTimeout: Duration.seconds(searchQueueSpec.visibilityTimeoutSeconds),
    retentionPeriod: Duration.seconds(searchQueueSpec.retentionSeconds),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: searchDeadLetterQueue, maxReceiveCount: searchQueueSpec.maxReceiveCount },
  });

  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(queue), {
    prefix: bucketSpec.uploadPrefix,
  });

  const table = new dynamodb.Table(stack, "Table", {
    partitionKey: { name: tableSpec.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: tableSpec.sortKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: tableSpec.pointInTimeRecovery },
    // AWS-owned keys would also encrypt; AWS-managed (aws/dynamodb) keys show up in CloudTrail.
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy,
    // Also refuses a DeleteTable by hand or by a stack that no longer declares the table.
    deletionProtection: !disposable,
  });
  for (const [indexName, index] of Object.entries(tableSpec.indexes)) {
    table.addGlobalSecondaryIndex({
      indexName,
      partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  // Signs list cursors; generated at deploy, read by the list function at cold start.
  const cursorSecret = new secretsmanager.Secret(stack, "CursorSecret", {
    description: "Picstack list-cursor signing key",
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
    removalPolicy,
  });

  // The OpenAI API key, set by the operator after deploy (docs/configuration.md, "AI analysis"); empty means the basic provider.
  const openAiKeySecret = new secretsmanager.Secret(stack, "OpenAiApiKey", {
    description: 'Picstack OpenAI API key as {"apiKey": "..."}; empty selects the offline basic provider',
    generateSecretString: {
      secretStringTemplate: JSON.stringify({ apiKey: "" }),
      generateStringKey: "unused",
    },
    removalPolicy,
  });

  stack.addOutputs({
    OpenAiKeySecretArn: openAiKeySecret.secretArn,
    BucketName: bucket.bucketName,
    TableName: table.tableName,
    QueueUrl: queue.queueUrl,
    DeadLetterQueueUrl: deadLetterQueue.queueUrl,
    SearchQueueUrl: searchQueue.queueUrl,
    SearchDeadLetterQueueUrl: searchDeadLetterQueue.queueUrl,
  });

  return {
    bucket,
    queue,
    deadLetterQueue,
    searchQueue,
    searchDeadLetterQueue,
    table,
    cursorSecret,
    openAiKeySecret,
  };
}
