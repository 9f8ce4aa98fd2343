/**
 * Data resources: the private image bucket, the analysis queue with its dead-letter queue, the S3 →
 * SQS notification for new uploads, and the DynamoDB table with its user and tag indexes.
 */
import { bucket as bucketSpec, queue as queueSpec, table as tableSpec } from "@picstack/infrastructure";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3n from "aws-cdk-lib/aws-s3-notifications";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { StackContext } from "sst/constructs";
import { isProduction, webOrigin } from "./settings.js";

export function Storage({ stack, app }: StackContext) {
  const removalPolicy = isProduction(app) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

  const bucket = new s3.Bucket(stack, "Images", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: false,
    removalPolicy,
    cors: [
      {
        allowedOrigins: [webOrigin()],
        allowedMethods: bucketSpec.corsMethods.map((m) => m as s3.HttpMethods),
        allowedHeaders: ["*"],
        exposedHeaders: ["ETag"],
        maxAge: bucketSpec.corsMaxAgeSeconds,
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

  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(queue), {
    prefix: bucketSpec.uploadPrefix,
  });

  const [byUser, byTag] = [tableSpec.indexes.byUser, tableSpec.indexes.byTag];
  const table = new dynamodb.Table(stack, "Table", {
    partitionKey: { name: tableSpec.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: tableSpec.sortKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: tableSpec.pointInTimeRecovery },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy,
  });
  for (const [indexName, index] of Object.entries({ byUser, byTag })) {
    table.addGlobalSecondaryIndex({
      indexName,
      partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  stack.addOutputs({
    BucketName: bucket.bucketName,
    TableName: table.tableName,
    QueueUrl: queue.queueUrl,
    DeadLetterQueueUrl: deadLetterQueue.queueUrl,
  });

  return { bucket, queue, deadLetterQueue, table };
}
