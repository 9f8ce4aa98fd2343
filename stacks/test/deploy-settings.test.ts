/**
 * The deploy-time settings (stacks/settings.ts): what a deploy of a stage other than the local one must
 * give, what it may override, and the clear refusal of a bad value before anything is built.
 */
import { rmSync } from "node:fs";
import { capacity, queueConsumer } from "@picstack/infrastructure";
import { afterEach, describe, expect, it } from "vitest";
import { LOCAL_WEB_ORIGIN, webOrigin } from "../settings.js";
import { lambdaOf, mappingOf, onlyOf } from "./helpers.js";
import { type DeployEnv, type Synthesized, synthesize, TEST_WEB_ORIGIN } from "./synth.js";

const STAGE = "staging";
const made: Synthesized[] = [];

afterEach(() => {
  for (const s of made.splice(0)) rmSync(s.outdir, { recursive: true, force: true });
});

async function synthWith(env: DeployEnv, mode?: "deploy" | "remove"): Promise<Synthesized> {
  const s = await synthesize({ stage: STAGE, bundle: false, env, mode });
  made.push(s);
  return s;
}

describe("the web origin", () => {
  it("must be given to deploy a stage other than the local one", async () => {
    // Prepare
    const env = {};

    // Act
    const attempt = synthWith(env);

    // Assess
    await expect(attempt).rejects.toThrow(
      /^PICSTACK_WEB_ORIGIN must be set to deploy the stage "staging": the origin the web gallery is served from/,
    );
  });

  it.each([
    ["a path", "https://photos.example.com/gallery", 'did you mean "https://photos.example.com"?'],
    ["a trailing slash", "https://photos.example.com/", 'did you mean "https://photos.example.com"?'],
    ["another scheme", "ftp://photos.example.com", 'got "ftp://photos.example.com"'],
    ["no scheme", "photos.example.com", 'got "photos.example.com"'],
  ])("is refused with %s", async (_what, value, hint) => {
    // Prepare
    const env = { PICSTACK_WEB_ORIGIN: value };

    // Act
    const error = await synthWith(env).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    // Assess
    expect(error?.message).toContain(
      "PICSTACK_WEB_ORIGIN must be an origin, scheme://host[:port] with http or https and no path",
    );
    expect(error?.message).toContain(hint);
  });

  it("is taken as given, port included, when it is an origin", async () => {
    // Prepare
    const origin = "https://photos.example.com:8443";

    // Act
    const s = await synthWith({ PICSTACK_WEB_ORIGIN: origin });

    // Assess
    const [, bucket] = onlyOf(s.templates.Storage, "AWS::S3::Bucket");
    expect(bucket.Properties.CorsConfiguration).toMatchObject({ CorsRules: [{ AllowedOrigins: [origin] }] });
  });

  it("defaults to the local web client for the local stage only", () => {
    // Prepare
    delete process.env.PICSTACK_WEB_ORIGIN;

    // Act
    const local = webOrigin({ stage: "local", mode: "deploy" });
    const other = () => webOrigin({ stage: "dev", mode: "deploy" });

    // Assess
    expect(local).toBe(LOCAL_WEB_ORIGIN);
    expect(other).toThrow('PICSTACK_WEB_ORIGIN must be set to deploy the stage "dev"');
  });

  it("is not needed to remove a stage, which deploys nothing", async () => {
    // Prepare
    const env = {};

    // Act
    const s = await synthWith(env, "remove");

    // Assess
    expect(Object.keys(s.templates)).toContain("Storage");
  });
});

describe("capacity overrides", () => {
  it("set the API stage's throttle", async () => {
    // Prepare
    const env = {
      PICSTACK_WEB_ORIGIN: TEST_WEB_ORIGIN,
      PICSTACK_API_RATE_LIMIT: "25.5",
      PICSTACK_API_BURST_LIMIT: "40",
    };

    // Act
    const s = await synthWith(env);

    // Assess
    const [, stage] = onlyOf(s.templates.Api, "AWS::ApiGateway::Stage");
    expect(stage.Properties.MethodSettings).toEqual([
      expect.objectContaining({
        HttpMethod: "*",
        ResourcePath: "/*",
        ThrottlingRateLimit: 25.5,
        ThrottlingBurstLimit: 40,
      }),
    ]);
  });

  it("reserve nothing for the worker with 0, for accounts that cannot reserve, keeping the declared ceiling", async () => {
    // Prepare
    const env = { PICSTACK_WEB_ORIGIN: TEST_WEB_ORIGIN, PICSTACK_WORKER_RESERVED_CONCURRENCY: "0" };

    // Act
    const s = await synthWith(env);

    // Assess
    const [, worker] = lambdaOf(s.templates.Analysis, queueConsumer);
    const mapping = mappingOf(s.templates.Analysis, queueConsumer);
    expect(worker.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: capacity.worker.maximum });
  });

  it("lower the mapping's ceiling to a smaller reservation, and take an explicit ceiling under a larger one", async () => {
    // Prepare
    const smaller = { PICSTACK_WEB_ORIGIN: TEST_WEB_ORIGIN, PICSTACK_WORKER_RESERVED_CONCURRENCY: "3" };
    const larger = {
      PICSTACK_WEB_ORIGIN: TEST_WEB_ORIGIN,
      PICSTACK_WORKER_RESERVED_CONCURRENCY: "50",
      PICSTACK_WORKER_MAX_CONCURRENCY: "40",
    };

    // Act
    const [a, b] = [await synthWith(smaller), await synthWith(larger)];

    // Assess
    expect(capacity.worker.maximum).toBeGreaterThan(3);
    expect(lambdaOf(a.templates.Analysis, queueConsumer)[1].Properties.ReservedConcurrentExecutions).toBe(3);
    expect(mappingOf(a.templates.Analysis, queueConsumer).Properties.ScalingConfig).toEqual({
      MaximumConcurrency: 3,
    });
    expect(lambdaOf(b.templates.Analysis, queueConsumer)[1].Properties.ReservedConcurrentExecutions).toBe(50);
    expect(mappingOf(b.templates.Analysis, queueConsumer).Properties.ScalingConfig).toEqual({
      MaximumConcurrency: 40,
    });
  });

  it.each([
    [{ PICSTACK_API_RATE_LIMIT: "fast" }, 'PICSTACK_API_RATE_LIMIT must be a number above 0, got "fast"'],
    [{ PICSTACK_API_RATE_LIMIT: "0" }, 'PICSTACK_API_RATE_LIMIT must be a number above 0, got "0"'],
    [
      { PICSTACK_API_BURST_LIMIT: "2.5" },
      'PICSTACK_API_BURST_LIMIT must be a whole number of at least 1, got "2.5"',
    ],
    [
      { PICSTACK_WORKER_RESERVED_CONCURRENCY: "-1" },
      'PICSTACK_WORKER_RESERVED_CONCURRENCY must be a whole number of at least 0, got "-1"',
    ],
    [
      { PICSTACK_WORKER_RESERVED_CONCURRENCY: "4", PICSTACK_WORKER_MAX_CONCURRENCY: "5" },
      "PICSTACK_WORKER_MAX_CONCURRENCY (5) must not exceed PICSTACK_WORKER_RESERVED_CONCURRENCY (4)",
    ],
    [{ PICSTACK_WORKER_RESERVED_CONCURRENCY: "1" }, "The worker's maximum concurrency must be 2–1000"],
    [{ PICSTACK_WORKER_MAX_CONCURRENCY: "1001" }, "The worker's maximum concurrency must be 2–1000"],
  ] as const)("refuse %j", async (overrides, message) => {
    // Prepare
    const env = { PICSTACK_WEB_ORIGIN: TEST_WEB_ORIGIN, ...overrides };

    // Act
    const attempt = synthWith(env);

    // Assess
    await expect(attempt).rejects.toThrow(message);
  });
});
