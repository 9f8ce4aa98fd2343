/**
 * Local mode (infrastructure/local-mode.ts) is the only difference between the templates a local
 * emulator gets and the ones AWS gets: it changes the functions' environment and nothing else, and no
 * stage but the local one accepts it.
 */
import { rmSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type FunctionId, functions, LOCAL_STAGE } from "@picstack/infrastructure";
import { LOCAL_MODE_VARIABLE, type LocalMode } from "@picstack/infrastructure/local-mode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaOf, resourcesOf } from "./helpers.js";
import { STACK_NAMES, type Synthesized, synthesize } from "./synth.js";

const MODE: LocalMode = {
  awsEndpoint: "http://127.0.0.1:4566",
  s3PublicEndpoint: "http://127.0.0.1:4566",
  auth: {
    issuer: "https://picstack.local/dev-issuer",
    audience: "picstack-local",
    jwks: { keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "dev", alg: "ES256" }] },
  },
  settings: {
    PICSTACK_ANALYSIS_PROVIDER: "basic",
    PICSTACK_RATE_LIMITS: '{"read":{"capacity":9,"refillPerSecond":1}}',
  },
};

const synths: Synthesized[] = [];
async function synth(stage: string, mode?: unknown): Promise<Synthesized> {
  const result = await synthesize({
    stage,
    bundle: false,
    env: mode === undefined ? {} : { [LOCAL_MODE_VARIABLE]: JSON.stringify(mode) },
  });
  synths.push(result);
  return result;
}

afterAll(() => {
  for (const s of synths) rmSync(s.outdir, { recursive: true, force: true });
});

const ids = Object.keys(functions) as FunctionId[];
const variablesOf = (s: Synthesized, id: FunctionId) => {
  const template = Object.values(s.templates).find((t) =>
    resourcesOf(t, "AWS::Lambda::Function").some(([logicalId]) => logicalId.startsWith(id)),
  );
  if (!template) throw new Error(`no template holds ${id}`);
  const [, fn] = lambdaOf(template, id);
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
};

describe("local mode on the local stage", () => {
  let plain: Synthesized;
  let local: Synthesized;
  beforeAll(async () => {
    plain = await synth(LOCAL_STAGE);
    local = await synth(LOCAL_STAGE, MODE);
  });

  it.each(ids)("gives %s the dev issuer, the emulator's endpoints and the chosen settings", (id) => {
    // Act
    const vars = variablesOf(local, id);

    // Assess
    expect(vars.PICSTACK_AUTH_ISSUER).toBe(MODE.auth.issuer);
    expect(vars.PICSTACK_AUTH_AUDIENCE).toBe(MODE.auth.audience);
    expect(JSON.parse(vars.PICSTACK_AUTH_JWKS as string)).toEqual(MODE.auth.jwks);
    expect(vars.PICSTACK_AUTH_JWKS_URL).toBeUndefined();
    expect(vars.AWS_ENDPOINT_URL).toBe(MODE.awsEndpoint);
    expect(vars.PICSTACK_S3_PUBLIC_ENDPOINT).toBe(MODE.s3PublicEndpoint);
    expect(vars.PICSTACK_S3_FORCE_PATH_STYLE).toBe("true");
    expect(vars.PICSTACK_ANALYSIS_PROVIDER).toBe("basic");
    expect(vars.PICSTACK_RATE_LIMITS).toBe(MODE.settings.PICSTACK_RATE_LIMITS);
    expect(vars.NODE_OPTIONS).toBeUndefined(); // no test hooks were asked for
    // Without local mode none of it is there, and the user pool's JWKS URL is.
    const cloud = variablesOf(plain, id);
    expect(cloud.PICSTACK_AUTH_JWKS_URL).toBeDefined();
    for (const name of [
      "PICSTACK_AUTH_JWKS",
      "AWS_ENDPOINT_URL",
      "PICSTACK_S3_PUBLIC_ENDPOINT",
      "PICSTACK_ANALYSIS_PROVIDER",
    ]) {
      expect(cloud[name], name).toBeUndefined();
    }
  });

  it("changes nothing else in any template", () => {
    // Prepare: each template with the functions' environment taken out, and the cross-stack exports that
    // only the environment used (the user pool's ids, which the dev issuer replaces).
    const withoutEnvironment = (s: Synthesized) =>
      Object.fromEntries(
        STACK_NAMES.map((name) => {
          const json = structuredClone(s.templates[name].toJSON()) as {
            Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
            Outputs?: Record<string, unknown>;
          };
          for (const resource of Object.values(json.Resources)) {
            if (resource.Type === "AWS::Lambda::Function") delete resource.Properties?.Environment;
          }
          for (const output of Object.keys(json.Outputs ?? {})) {
            if (output.startsWith("ExportsOutputRefUsers")) delete json.Outputs?.[output];
          }
          return [name, json];
        }),
      );

    // Act / Assess
    expect(withoutEnvironment(local)).toEqual(withoutEnvironment(plain));
  });
});

describe("a local test stack's test hooks", () => {
  const hooks = "/tmp/picstack-test/test-hooks.mjs";
  let local: Synthesized;
  beforeAll(async () => {
    local = await synth(LOCAL_STAGE, { ...MODE, testHooks: hooks });
  });

  it.each(ids)("make %s preload them before its handler", (id) => {
    // Act
    const vars = variablesOf(local, id);

    // Assess
    expect(vars.NODE_OPTIONS).toBe(`--import=${pathToFileURL(hooks).href}`);
  });

  it("are refused, with the rest of local mode, by every other stage", async () => {
    // Act / Assess
    await expect(synth("prod", { ...MODE, testHooks: hooks })).rejects.toThrow(
      new RegExp(`${LOCAL_MODE_VARIABLE} is set, but the stage is "prod"`),
    );
  });
});

describe("local mode elsewhere", () => {
  it.each(["prod", "dev", "live", "test", "localstack"])("is refused by the %s stage", async (stage) => {
    await expect(synth(stage, MODE)).rejects.toThrow(
      new RegExp(`${LOCAL_MODE_VARIABLE} is set, but the stage is "${stage}"`),
    );
  });

  it.each([
    ["a setting that is not a local one", { ...MODE, settings: { PICSTACK_TABLE: "other" } }],
    // Faults are planned on a running test stack, read by its test hooks, never set for every function.
    ["the fault plan as a setting", { ...MODE, settings: { PICSTACK_TEST_FAULTS: "{}" } }],
    ["test hooks by a relative path", { ...MODE, testHooks: "test-hooks.mjs" }],
    ["an endpoint that is not a URL", { ...MODE, awsEndpoint: "ministack" }],
    ["an unknown field", { ...MODE, cognito: false }],
  ])("refuses %s, on the local stage too", async (_what, mode) => {
    await expect(synth(LOCAL_STAGE, mode)).rejects.toThrow(new RegExp(`${LOCAL_MODE_VARIABLE} is invalid`));
  });
});
