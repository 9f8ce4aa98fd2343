/** Runs a scheduled job's function once, now (what EventBridge does on its schedule in AWS). */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { FunctionId } from "@picstack/infrastructure";
import { emulatorClientConfig, type Outputs } from "./deploy.js";

export async function runJob(
  outputs: Pick<Outputs, "endpoint" | "functions">,
  id: FunctionId,
): Promise<unknown> {
  const lambda = new LambdaClient(emulatorClientConfig(outputs.endpoint));
  const result = await lambda.send(
    new InvokeCommand({ FunctionName: outputs.functions[id], Payload: new TextEncoder().encode("{}") }),
  );
  const payload = result.Payload ? JSON.parse(new TextDecoder().decode(result.Payload)) : undefined;
  if (result.FunctionError) throw new Error(`${id} failed: ${JSON.stringify(payload)}`);
  return payload;
}
