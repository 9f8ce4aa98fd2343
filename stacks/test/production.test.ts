/**
 * The production stage keeps its data when the stack is removed (vitest runs each file in its own worker,
 * so this file can initialise the SST project with another stage).
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onlyOf, resourcesOf } from "./helpers.js";
import { type Synthesized, sharpLayer, synthesize } from "./synth.js";

let synth: Synthesized;

beforeAll(async () => {
  await sharpLayer();
  synth = await synthesize({ stage: "prod", bundle: false });
});

afterAll(() => {
  if (synth) rmSync(synth.outdir, { recursive: true, force: true });
});

describe("production stage", () => {
  it.each([
    ["Storage", "AWS::S3::Bucket"],
    ["Storage", "AWS::DynamoDB::Table"],
    ["Storage", "AWS::SecretsManager::Secret"],
    ["Auth", "AWS::Cognito::UserPool"],
  ] as const)("retains the %s stack's %s on removal", (stackName, type) => {
    // Prepare
    const template = synth.templates[stackName];

    // Act
    const found = resourcesOf(template, type);

    // Assess
    expect(found.length).toBeGreaterThan(0);
    for (const [, resource] of found) expect(resource.DeletionPolicy).toBe("Retain");
  });

  it("does not empty the bucket on removal", () => {
    // Prepare
    const template = synth.templates.Storage;

    // Act
    const autoDelete = resourcesOf(template, "Custom::S3AutoDeleteObjects");

    // Assess
    expect(autoDelete).toEqual([]);
  });

  it("deploys the API to a stage named prod", () => {
    // Prepare / Act
    const [, stage] = onlyOf(synth.templates.Api, "AWS::ApiGateway::Stage");

    // Assess
    expect(stage.Properties.StageName).toBe("prod");
  });
});
