/** The analysis worker: consumes upload notifications from the queue, with sharp from a layer. */
import { functions, queueConsumer, queue as queueSpec, RUNTIME } from "@picstack/infrastructure";
import { buildSharpLayerSync } from "@picstack/infrastructure/layers/sharp";
import { Duration } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { type StackContext, use } from "sst/constructs";
import { Auth } from "./Auth.js";
import { picstackFunction } from "./functions.js";
import { Storage } from "./Storage.js";

export function Analysis({ stack }: StackContext) {
  const storage = use(Storage);
  const { auth } = use(Auth);

  if (lambda.Runtime.NODEJS_22_X.name !== RUNTIME) throw new Error(`The sharp layer is built for ${RUNTIME}`);
  const sharpLayer = new lambda.LayerVersion(stack, "SharpLayer", {
    code: lambda.Code.fromAsset(buildSharpLayerSync()),
    compatibleRuntimes: [lambda.Runtime.NODEJS_22_X],
    compatibleArchitectures: [lambda.Architecture.X86_64],
    description: "sharp (libvips) for linux-x64 glibc, built from npm",
  });

  const worker = picstackFunction(stack, queueConsumer, { ...storage, auth, sharpLayer });
  worker.addEventSource(
    new SqsEventSource(storage.queue, {
      batchSize: queueSpec.batchSize,
      maxBatchingWindow: Duration.seconds(queueSpec.maxBatchingWindowSeconds),
      reportBatchItemFailures: true,
    }),
  );
  if (queueSpec.visibilityTimeoutSeconds <= functions[queueConsumer].timeout) {
    throw new Error("The queue's visibility timeout must exceed the consumer's timeout");
  }

  return { worker, sharpLayer };
}
