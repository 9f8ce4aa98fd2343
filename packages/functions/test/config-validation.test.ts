/** loadConfig: what a valid environment becomes, and how each kind of mistake is named. */
import { DEFAULT_RATE_LIMITS } from "@picstack/core";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";

const JWKS = { keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k1" }] };

const valid: Record<string, string> = {
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

describe("loadConfig: valid environments", () => {
  it("parses a minimal AWS-style environment with every default", () => {
    // Act
    const config = loadConfig({ ...valid, PATH: "/usr/bin", AWS_REGION: "eu-west-1" });
    // Assess
    expect(config).toEqual({
      stage: "dev",
      table: "picstack-dev-images",
      bucket: "picstack-dev-uploads",
      queueUrl: undefined,
      webOrigin: "https://app.picstack.test",
      auth: {
        issuer: "https://issuer.test",
        audience: "picstack-web",
        jwksUrl: "https://issuer.test/.well-known/jwks.json",
        jwks: undefined,
      },
      maxUploadBytes: 25 * 1024 * 1024,
      retentionDays: 7,
      rateLimits: DEFAULT_RATE_LIMITS,
      cursorSecret: { arn: undefined, value: undefined },
      analysis: {
        provider: undefined,
        openAi: {
          apiKey: undefined,
          keySecretArn: undefined,
          baseURL: undefined,
          model: "gpt-4.1-mini",
          timeoutMs: 30_000,
        },
      },
      s3: { publicEndpoint: undefined, forcePathStyle: false },
      uploadTtlSeconds: 600,
      downloadTtlSeconds: 300,
    });
  });

  it("parses a local-style environment: inline JWKS, path style, numbers from strings, merged rate limits", () => {
    // Act
    const config = loadConfig({
      ...without("PICSTACK_AUTH_JWKS_URL"),
      PICSTACK_AUTH_JWKS: JSON.stringify(JWKS),
      PICSTACK_S3_FORCE_PATH_STYLE: "true",
      PICSTACK_S3_PUBLIC_ENDPOINT: "http://localhost:4566",
      PICSTACK_MAX_UPLOAD_BYTES: "1048576",
      PICSTACK_RETENTION_DAYS: "0",
      PICSTACK_RATE_LIMITS: JSON.stringify({
        write: { capacity: 5, refillPerSecond: 0.5 },
        analyze: { capacity: 2, refillPerSecond: 0.01 },
      }),
      PICSTACK_CURSOR_SECRET: "c".repeat(32),
      PICSTACK_ANALYSIS_PROVIDER: "basic",
      PICSTACK_QUEUE_URL: "http://localhost:4566/000000000000/analysis",
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
    expect(config.rateLimits).toEqual({
      read: DEFAULT_RATE_LIMITS.read,
      write: { capacity: 5, refillPerSecond: 0.5 },
      analyze: { capacity: 2, refillPerSecond: 0.01 },
    });
    expect(config.cursorSecret.value).toBe("c".repeat(32));
    expect(config.analysis.provider).toBe("basic");
    expect(config.queueUrl).toBe("http://localhost:4566/000000000000/analysis");
  });

  it("keeps upload URLs within the 15 minutes S3 allows", () => {
    // Act / Assess
    expect(loadConfig(valid).uploadTtlSeconds).toBeLessThanOrEqual(900);
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
    for (const name of ["PICSTACK_STAGE", "PICSTACK_TABLE", "PICSTACK_BUCKET", "PICSTACK_AUTH_ISSUER"]) {
      expect(message).toContain(name);
    }
  });

  it("requires one of the two JWKS variables", () => {
    // Act
    const message = problem(without("PICSTACK_AUTH_JWKS_URL"));
    // Assess
    expect(message).toContain("PICSTACK_AUTH_JWKS_URL");
    expect(message).toContain("PICSTACK_AUTH_JWKS");
  });

  it.each([
    ["PICSTACK_AUTH_JWKS_URL", "not a url"],
    ["PICSTACK_WEB_ORIGIN", "app.picstack.test"],
    ["PICSTACK_QUEUE_URL", "analysis-queue"],
    ["PICSTACK_S3_FORCE_PATH_STYLE", "yes"],
    ["PICSTACK_MAX_UPLOAD_BYTES", "lots"],
    ["PICSTACK_MAX_UPLOAD_BYTES", "0"],
    ["PICSTACK_MAX_UPLOAD_BYTES", "1.5"],
    ["PICSTACK_RETENTION_DAYS", "366"],
    ["PICSTACK_RETENTION_DAYS", "-1"],
    ["PICSTACK_CURSOR_SECRET", "too-short"],
    ["PICSTACK_ANALYSIS_PROVIDER", "gemini"],
    ["PICSTACK_RATE_LIMITS", "{read:"],
    ["PICSTACK_RATE_LIMITS", JSON.stringify({ reads: { capacity: 1, refillPerSecond: 1 } })],
    ["PICSTACK_RATE_LIMITS", JSON.stringify({ read: { capacity: 0, refillPerSecond: 1 } })],
    ["PICSTACK_RATE_LIMITS", JSON.stringify({ analyze: { capacity: 5, refillPerSecond: 0 } })],
  ])("names %s when it is %j", (name, value) => {
    // Act / Assess
    expect(problem({ ...valid, [name]: value })).toContain(name);
  });

  it("refuses an inline JWKS that is not JSON", () => {
    // Act / Assess
    expect(problem({ ...without("PICSTACK_AUTH_JWKS_URL"), PICSTACK_AUTH_JWKS: "{keys:" })).toMatch(
      /PICSTACK_AUTH_JWKS is not JSON/,
    );
  });
});
