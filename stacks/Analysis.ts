/** The analysis worker: consumes upload notifications from the queue, with sharp from a layer. */
import {
  ARCHITECTURE,
  functions,
  queueConsumer,
  queue as queueSpec,
  RUNTIME,
  searchQueueConsumer,
  searchQueue as searchQueueSpec,
} from "@picstack/infrastructure";
import { buildSharpLayerSync, SHARP_LAYER_CPU } from "@picstack/infrastructure/layers/sharp";
import { Duration } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { type StackContext, use } from "sst/constructs";
import { Auth } from "./Auth.js";
import { picstackFunction } from "./functions.js";
import { Storage } from "./Storage.js";
import { workerConcurrency } from "./settings.js";

export function Analysis({ stack }: StackContext) {
  const storage = use(Storage);
  const { auth } = use(Auth);

  if (queueSpec.visibilityTimeoutSeconds <= functions[queueConsumer].timeout) {
    throw new Error("The queue's visibility timeout must exceed the consumer's timeout");
  }

  // sharp >= 0.33 from npm for Lambda's Linux (built once per version into .picstack/layers/sharp); SST's
  // own sharp handling would install sharp@0.32.6, which downloads libvips at install time.
  // CDK compares runtimes by identity: use its own instance for the declared runtime (and architecture).
  const runtime = lambda.Runtime.ALL.find((r) => r.name === RUNTIME);
  if (!runtime) throw new Error(`aws-cdk-lib does not know the runtime ${RUNTIME}`);
  const architecture = [lambda.Architecture.X86_64, lambda.Architecture.ARM_64].find(
    (a) => a.name === ARCHITECTURE,
  );
  if (!architecture) throw new Error(`aws-cdk-lib does not know the architecture ${ARCHITECTURE}`);
  const sharpLayer = new lambda.LayerVersion(stack, "SharpLayer", {
    code: lambda.Code.fromAsset(buildSharpLayerSync()),
    compatibleRuntimes: [runtime],
    compatibleArchitectures: [architecture],
    description: `sharp (libvips) for linux-${SHARP_LAYER_CPU} glibc, built from npm`,
  });

  // Concurrency the API cannot take from the worker, and a mapping that never polls faster than that.
  const concurrency = workerConcurrency();
  const worker = picstackFunction(stack, queueConsumer, {
    ...storage,
    auth,
    layers: { sharp: sharpLayer },
    reservedConcurrency: concurrency.reserved,
  });
  // Also grants the consumer ReceiveMessage, DeleteMessage, ChangeMessageVisibility, GetQueueAttributes
  // and GetQueueUrl on this queue only.
  worker.addEventSource(
    new SqsEventSource(storage.queue, {
      batchSize: queueSpec.batchSize,
      maxBatchingWindow: Duration.seconds(queueSpec.maxBatchingWindowSeconds),
      reportBatchItemFailures: true,
      maxConcurrency: concurrency.maximum,
    }),
  );

  // The search-index compactor: messages of one user in a batch are folded once (docs/search.md).
  if (searchQueueSpec.visibilityTimeoutSeconds <= functions[searchQueueConsumer].timeout) {
    throw new Error("The search queue's visibility timeout must exceed the compactor's timeout");
  }
  const compactor = picstackFunction(stack, searchQueueConsumer, { ...storage, auth });
  compactor.addEventSource(
    new SqsEventSource(storage.searchQueue, {
      batchSize: searchQueueSpec.batchSize,
      maxBatchingWindow: Duration.seconds(searchQueueSpec.maxBatchingWindowSeconds),
      reportBatchItemFailures: true,
    }),
  );

  return { worker, compactor, sharpLayer };
}
