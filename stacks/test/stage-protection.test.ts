/**
 * Every stage keeps its data when the stack is removed unless its deploy marked it disposable, whatever
 * the stage is called: "live" here (vitest runs each file in its own worker, so this file can initialise
 * the SST project with another stage).
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onlyOf, resourcesOf } from "./helpers.js";
import { type Synthesized, sharpLayer, synthesize, TEST_WEB_ORIGIN } from "./synth.js";

const STAGE = "live";
let synth: Synthesized;

beforeAll(async () => {
  await sharpLayer();
  synth = await synthesize({ stage: STAGE, bundle: false, env: { PICSTACK_WEB_ORIGIN: TEST_WEB_ORIGIN } });
});

afterAll(() => {
  if (synth) rmSync(synth.outdir, { recursive: true, force: true });
});

describe("a stage not marked disposable", () => {
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
    for (const [, resource] of found) {
      expect(resource.DeletionPolicy).toBe("Retain");
      expect(resource.UpdateReplacePolicy).toBe("Retain");
    }
  });

  it("does not empty the bucket on removal", () => {
    // Prepare
    const template = synth.templates.Storage;

    // Act
    const autoDelete = resourcesOf(template, "Custom::S3AutoDeleteObjects");

    // Assess
    expect(autoDelete).toEqual([]);
  });

  it("turns on the table's deletion protection", () => {
    // Prepare / Act
    const [, table] = onlyOf(synth.templates.Storage, "AWS::DynamoDB::Table");

    // Assess
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
  });

  it("deploys the API to a stage named after it", () => {
    // Prepare / Act
    const [, stage] = onlyOf(synth.templates.Api, "AWS::ApiGateway::Stage");

    // Assess
    expect(stage.Properties.StageName).toBe(STAGE);
  });

  it("refuses a disposable marker that names another stage", async () => {
    // Prepare
    const env = { PICSTACK_WEB_ORIGIN: TEST_WEB_ORIGIN, PICSTACK_DISPOSABLE_STAGE: "true" };

    // Act
    const attempt = synthesize({ stage: STAGE, bundle: false, env });

    // Assess
    await expect(attempt).rejects.toThrow(
      'PICSTACK_DISPOSABLE_STAGE is "true" but the stage is "live": set it to the stage\'s name',
    );
  });
});
