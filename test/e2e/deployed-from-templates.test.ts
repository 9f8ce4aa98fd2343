/**
 * The local stack is the templates, deployed by CloudFormation: every table, queue, bucket, function and
 * REST API in the emulator is a resource of a CloudFormation stack (ours or the CDK bootstrap stack), so
 * nothing was provisioned beside them by SDK calls.
 */
import { APIGatewayClient, GetRestApisCommand } from "@aws-sdk/client-api-gateway";
import {
  CloudFormationClient,
  ListStackResourcesCommand,
  paginateListStacks,
} from "@aws-sdk/client-cloudformation";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { ListQueuesCommand } from "@aws-sdk/client-sqs";
import { emulatorClientConfig } from "@picstack/local";
import { describe, expect, it } from "vitest";
import { lambda, outputs, s3, sqs } from "./helpers.js";

async function stackResources(): Promise<Map<string, string>> {
  const cfn = new CloudFormationClient(emulatorClientConfig(outputs().endpoint));
  const physical = new Map<string, string>();
  for await (const page of paginateListStacks({ client: cfn }, {})) {
    for (const stack of page.StackSummaries ?? []) {
      if (stack.StackStatus === "DELETE_COMPLETE" || !stack.StackName) continue;
      let next: string | undefined;
      do {
        const listed = await cfn.send(
          new ListStackResourcesCommand({ StackName: stack.StackName, NextToken: next }),
        );
        for (const r of listed.StackResourceSummaries ?? []) {
          if (r.PhysicalResourceId)
            physical.set(r.PhysicalResourceId, `${stack.StackName}/${r.LogicalResourceId}`);
        }
        next = listed.NextToken;
      } while (next);
    }
  }
  return physical;
}

describe("the local stack", () => {
  it("holds no table, queue, bucket, function or API that a CloudFormation stack did not create", async () => {
    // Prepare
    const physical = await stackResources();
    const config = emulatorClientConfig(outputs().endpoint);

    // Act
    const tables = (await new DynamoDBClient(config).send(new ListTablesCommand({}))).TableNames ?? [];
    const queues = ((await sqs().send(new ListQueuesCommand({}))).QueueUrls ?? []).map((url) => url);
    const buckets = ((await s3().send(new ListBucketsCommand({}))).Buckets ?? []).map(
      (b) => b.Name as string,
    );
    const fns = ((await lambda().send(new ListFunctionsCommand({}))).Functions ?? []).map(
      (f) => f.FunctionName as string,
    );
    const apis = ((await new APIGatewayClient(config).send(new GetRestApisCommand({}))).items ?? []).map(
      (a) => a.id as string,
    );

    // Assess: the deployed names are among them, and each one belongs to a stack.
    expect(tables).toContain(outputs().table);
    expect(buckets).toContain(outputs().bucket);
    expect(fns).toEqual(expect.arrayContaining(Object.values(outputs().functions)));
    expect(apis).toContain(outputs().apiId);
    const strays = [...tables, ...queues, ...buckets, ...fns, ...apis].filter((name) => !physical.has(name));
    expect(strays).toEqual([]);
  });
});
