/**
 * loadConfig: what an environment becomes, which settings a function's declared permissions make it
 * need, and how each kind of mistake is named.
 */
import { DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_RATE_LIMITS } from "@picstack/core";
import { type FunctionId, type FunctionPermissions, functions } from "@picstack/infrastructure";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { registerTestHooks } from "../src/test-hooks.js";

const JWKS = { keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k1" }] };

/** What the stacks give a function that needs nothing beyond the common settings. */
const valid: Record<string, string> = {
  PICSTACK_FUNCTION: "getImage",
  PICSTACK_STAGE: "dev",
  PICSTACK_TABLE: "picstack-dev-images",
  PICSTACK_BUCKET: "picstack-dev-uploads",
  PICSTACK_WEB_ORIGIN: "https://app.picstack.test",
  PICSTACK_AUTH_ISSUER: "https://issuer.test",
  PICSTACK_AUTH_AUDIENCE: "picstack-web",
  PICSTACK_AUTH_JWKS_URL: "https://issuer.test/.well-known/jwks.json",
};

function without(...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(valid).filter(([name]) => !names.includes(name)));
}

function problem(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the configuration to be refused");
}

const ids = Object.keys(functions) as FunctionId[];
const permissionsOf = (id: FunctionId): FunctionPermissions => functions[id].permissions;
/** The declared functions that have a permission. */
const having = (has: (p: FunctionPermissions) => boolean) => ids.filter((id) => has(permissionsOf(id)));

describe("loadConfig: valid environments", () => {
  it("reads an AWS-style environment into the configuration, with the function's declared permissions", () => {
    // Act
    const config = loadConfig({ ...valid, PATH: "/usr/bin", AWS_REGION: "eu-west-1" });

    // Assess
    expect(config).toMatchObject({
      function: "getImage",
      permissions: functions.getImage.permissions,
      stage: "dev",
      table: "picstack-dev-images",
      bucket: "picstack-dev-uploads",
      webOrigin: "https://app.picstack.test",
      auth: {
        issuer: "https://issuer.test",
        audience: "picstack-web",
        jwksUrl: "https://issuer.test/.well-known/jwks.json",
        jwks: undefined,
      },
    });
  });

  it("gives what the environment leaves out its default", () => {
    // Act
    const config = loadConfig(valid);

    // Assess
    expect(config.maxUploadBytes).toBe(DEFAULT_MAX_UPLOAD_BYTES);
    expect(config.rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    expect(config.s3).toEqual({ publicEndpoint: undefined, forcePathStyle: false });
    expect(config.analysis.provider).toBeUndefined();
  });

  it("reads a local-style environment: inline JWKS, path style, numbers from strings, merged rate limits", () => {
    // Act
    const config = loadConfig({
      ...without("PICSTACK_AUTH_JWKS_URL"),
      PICSTACK_AUTH_JWKS: JSON.stringify(JWKS),
      PICSTACK_S3_FORCE_PATH_STYLE: "true",
      PICSTACK_S3_PUBLIC_ENDPOINT: "http://localhost:4566",
      PICSTACK_MAX_UPLOAD_BYTES: "1048576",
      PICSTACK_RETENTION_DAYS: "0",
      PICSTACK_UPLOAD_TTL_SECONDS: "900",
      PICSTACK_RATE_LIMITS: JSON.stringify({
        write: { capacity: 5, refillPerSecond: 0.5 },
        analyze: { capacity: 2, refillPerSecond: 0.01 },
      }),
      PICSTACK_ANALYSIS_PROVIDER: "basic",
      PICSTACK_OPENAI_TIMEOUT_MS: "3000",
    });

    // Assess
    expect(config.auth).toEqual({
      issuer: "https://issuer.test",
      audience: "picstack-web",
      jwksUrl: undefined,
      jwks: JWKS,
    });
    expect(config.s3).toEqual({ publicEndpoint: "http://localhost:4566", forcePathStyle: true });
    expect(config.maxUploadBytes).toBe(1048576);
    expect(config.retentionDays).toBe(0);
    expect(config.uploadTtlSeconds).toBe(900);
    expect(config.rateLimits).toEqual({
      read: DEFAULT_RATE_LIMITS.read,
      write: { capacity: 5, refillPerSecond: 0.5 },
      analyze: { capacity: 2, refillPerSecond: 0.01 },
    });
    expect(config.analysis.provider).toBe("basic");
    expect(config.analysis.openAi.timeoutMs).toBe(3000);
  });
});

describe("loadConfig: what a function's permissions make it need", () => {
  const queue = having((p) => p.queue === "send" || p.queue === "inspect");
  const cursor = having((p) => p.cursorSecret === true);
  const openAi = having((p) => p.openAiKey === true);
  const searchQueue = having((p) => p.searchIndex === "send");
  const bare = ids.filter((id) => ![...queue, ...cursor, ...openAi, ...searchQueue].includes(id));
  /** What the rules other than the one under test need, so only that one is missing. */
  const searchQueueUrl = { PICSTACK_SEARCH_QUEUE_URL: "https://sqs.test/1/search" };

  it("has functions of the declaration to show each rule on", () => {
    // Assess: every rule below applies to some function, and some function needs none of them.
    for (const rule of [queue, cursor, openAi, searchQueue, bare]) expect(rule.length).toBeGreaterThan(0);
  });

  it.each(searchQueue)("refuses %s without the search-index queue URL it sends compactions to", (id) => {
    // Prepare
    const env = {
      ...valid,
      PICSTACK_FUNCTION: id,
      PICSTACK_CURSOR_SECRET: "c".repeat(32),
      OPENAI_API_KEY: "sk-test",
    };

    // Act
    const message = problem(env);

    // Assess
    expect(message).toContain(
      `PICSTACK_SEARCH_QUEUE_URL: required, as ${id}'s permissions include searchIndex send`,
    );
    expect(loadConfig({ ...env, ...searchQueueUrl }).searchQueueUrl).toBe(
      searchQueueUrl.PICSTACK_SEARCH_QUEUE_URL,
    );
  });

  it.each(queue)("refuses %s without the queue URL its queue permission uses", (id) => {
    // Act
    const message = problem({ ...valid, PICSTACK_FUNCTION: id });

    // Assess
    expect(message).toContain(`PICSTACK_QUEUE_URL: required, as ${id}'s permissions include queue`);
    expect(
      loadConfig({ ...valid, PICSTACK_FUNCTION: id, PICSTACK_QUEUE_URL: "https://sqs.test/1/q" }).queueUrl,
    ).toBe("https://sqs.test/1/q");
  });

  it.each(cursor)("refuses %s without the cursor secret, which either variable gives", (id) => {
    // Prepare
    const env = { ...valid, ...searchQueueUrl, PICSTACK_FUNCTION: id, OPENAI_API_KEY: "sk-test" };

    // Act
    const message = problem(env);
    const fromArn = loadConfig({ ...env, PICSTACK_CURSOR_SECRET_ARN: "arn:aws:secretsmanager:cursor" });
    const fromValue = loadConfig({ ...env, PICSTACK_CURSOR_SECRET: "c".repeat(32) });

    // Assess
    expect(message).toContain(
      `PICSTACK_CURSOR_SECRET_ARN: required (or PICSTACK_CURSOR_SECRET), as ${id}'s permissions include cursorSecret`,
    );
    expect(fromArn.cursorSecret).toEqual({ arn: "arn:aws:secretsmanager:cursor", value: undefined });
    expect(fromValue.cursorSecret).toEqual({ arn: undefined, value: "c".repeat(32) });
  });

  it.each(openAi)("refuses %s without the OpenAI key its analysis reads", (id) => {
    // Act
    const env = {
      ...valid,
      ...searchQueueUrl,
      PICSTACK_CURSOR_SECRET: "c".repeat(32),
      PICSTACK_FUNCTION: id,
    };
    const message = problem(env);
    const config = loadConfig({ ...env, PICSTACK_OPENAI_KEY_SECRET_ARN: "arn:key" });

    // Assess
    expect(message).toContain(`PICSTACK_OPENAI_KEY_SECRET_ARN: required (or OPENAI_API_KEY), as ${id}'s`);
    expect(config.analysis.openAi.keySecretArn).toBe("arn:key");
  });

  it.each(bare)("starts %s, whose permissions need none of them, without them", (id) => {
    // Act / Assess
    expect(loadConfig({ ...valid, PICSTACK_FUNCTION: id }).function).toBe(id);
  });

  it("refuses a function id the declaration does not know, and a missing one", () => {
    // Act / Assess
    expect(problem({ ...valid, PICSTACK_FUNCTION: "dropTables" })).toMatch(
      /PICSTACK_FUNCTION: is not a function of the declaration/,
    );
    expect(problem(without("PICSTACK_FUNCTION"))).toContain("PICSTACK_FUNCTION");
  });
});

describe("loadConfig: refused environments", () => {
  it.each([
    "PICSTACK_STAGE",
    "PICSTACK_TABLE",
    "PICSTACK_BUCKET",
    "PICSTACK_WEB_ORIGIN",
    "PICSTACK_AUTH_ISSUER",
    "PICSTACK_AUTH_AUDIENCE",
  ])("names the missing %s", (name) => {
    // Act / Assess
    expect(problem(without(name))).toContain(name);
  });

  it("names an empty PICSTACK_TABLE", () => {
    // Act / Assess
    expect(problem({ ...valid, PICSTACK_TABLE: "" })).toContain("PICSTACK_TABLE");
  });

  it("names every missing variable at once", () => {
    // Act
    const message = problem({});

    // Assess
    for (const name of [
      "PICSTACK_FUNCTION",
      "PICSTACK_STAGE",
      "PICSTACK_TABLE",
      "PICSTACK_BUCKET",
      "PICSTACK_AUTH_ISSUER",
    ]) {
      expect(message).toContain(name);
    }
  });

  it("requires one of the two JWKS variables", () => {
    // Act
    const message = problem(without("PICSTACK_AUTH_JWKS_URL"));

    // Assess
    expect(message).toContain("one of PICSTACK_AUTH_JWKS_URL or PICSTACK_AUTH_JWKS is required");
  });

  it.each([
    ["PICSTACK_AUTH_JWKS_URL", "not a url"],
    ["PICSTACK_AUTH_JWKS", "{keys:"],
    ["PICSTACK_AUTH_JWKS", JSON.stringify({ keys: "none" })],
    ["PICSTACK_WEB_ORIGIN", "app.picstack.test"],
    ["PICSTACK_QUEUE_URL", "analysis-queue"],
    ["PICSTACK_S3_FORCE_PATH_STYLE", "yes"],
    ["PICSTACK_MAX_UPLOAD_BYTES", "lots"],
    ["PICSTACK_MAX_UPLOAD_BYTES", "0"],
    ["PICSTACK_MAX_UPLOAD_BYTES", "1.5"],
    ["PICSTACK_RETENTION_DAYS", "366"],
    ["PICSTACK_RETENTION_DAYS", "-1"],
    // Longer than the 15 minutes S3 allows a presigned URL.
    ["PICSTACK_UPLOAD_TTL_SECONDS", "901"],
    ["PICSTACK_CURSOR_SECRET", "too-short"],
    ["PICSTACK_ANALYSIS_PROVIDER", "gemini"],
    ["PICSTACK_RATE_LIMITS", "{read:"],
    ["PICSTACK_RATE_LIMITS", JSON.stringify({ reads: { capacity: 1, refillPerSecond: 1 } })],
    ["PICSTACK_RATE_LIMITS", JSON.stringify({ read: { capacity: 0, refillPerSecond: 1 } })],
    ["PICSTACK_RATE_LIMITS", JSON.stringify({ analyze: { capacity: 5, refillPerSecond: 0 } })],
  ])("names %s when it is %j", (name, value) => {
    // Act / Assess
    // Assess: the problem is that variable's, or a field inside its JSON.
    expect(problem({ ...valid, [name]: value })).toMatch(new RegExp(`configuration: ${name}[.:]`));
  });

  it("says an inline JWKS that is not JSON is not JSON", () => {
    // Act / Assess
    expect(problem({ ...without("PICSTACK_AUTH_JWKS_URL"), PICSTACK_AUTH_JWKS: "{keys:" })).toContain(
      "PICSTACK_AUTH_JWKS: is not JSON",
    );
  });
});

describe("loadConfig: test-only settings", () => {
  const faults = { ...valid, PICSTACK_TEST_FAULTS: JSON.stringify({ dbThrottleRate: 0.5 }) };

  it("refuses the fault setting when no test hooks are loaded, as in every deployed function", () => {
    // Act / Assess
    expect(problem(faults)).toContain(
      "PICSTACK_TEST_FAULTS: a test-only setting, and no test hooks are loaded: this function refuses it",
    );
  });

  it("leaves it to the test hooks a test stack preloaded", () => {
    // Prepare
    registerTestHooks({});
    try {
      // Act
      const config = loadConfig(faults);

      // Assess
      expect(config.function).toBe("getImage");
    } finally {
      registerTestHooks(undefined);
    }
  });
});
