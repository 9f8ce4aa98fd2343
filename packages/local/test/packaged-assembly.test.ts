/**
 * The packed assembly made concrete: a template synthesized with the placeholders, once the stack's
 * values are in, is the template a synth with those values writes; and the CDK CLI is told about the
 * changed templates (their S3 keys are their content hashes).
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { env } from "@picstack/infrastructure";
import { type LocalMode, localEnvironment } from "@picstack/infrastructure/local-mode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_AUDIENCE, DEV_ISSUER } from "../src/dev-issuer.js";
import {
  concreteTemplate,
  PLACEHOLDERS,
  placeholderLocalMode,
  placeholdersIn,
  preparePackagedAssembly,
} from "../src/packaged-assembly.js";

const auth = { issuer: DEV_ISSUER, audience: DEV_AUDIENCE };
const stackMode: LocalMode = {
  awsEndpoint: "http://127.0.0.1:4762",
  s3PublicEndpoint: "http://127.0.0.1:4762",
  auth: { ...auth, jwks: { keys: [{ kty: "EC", crv: "P-256", x: "abc", y: "def", kid: "k1" }] } },
  settings: { PICSTACK_ANALYSIS_PROVIDER: "basic", PICSTACK_RATE_LIMITS: "{}" },
};
const webOrigin = "http://127.0.0.1:5362";

/** A template as the stacks write it for `mode` and `origin`: a Picstack function, a CDK handler, CORS. */
function templateFor(mode: LocalMode, origin: string) {
  const base = {
    [env.function]: "createImage",
    PICSTACK_WEB_ORIGIN: origin,
    [env.authIssuer]: "https://cognito-idp.example/pool",
    [env.authJwksUrl]: "https://cognito-idp.example/pool/.well-known/jwks.json",
  };
  return {
    Resources: {
      createImage: {
        Type: "AWS::Lambda::Function",
        Properties: { Environment: { Variables: localEnvironment(mode, base) } },
      },
      handler: {
        Type: "AWS::Lambda::Function",
        Properties: { Environment: { Variables: { BUCKET: "b" } } },
      },
      bucket: {
        Type: "AWS::S3::Bucket",
        Properties: { CorsConfiguration: { CorsRules: [{ AllowedOrigins: [origin] }] } },
      },
      pool: {
        Type: "AWS::Cognito::UserPoolClient",
        Properties: { CallbackURLs: [`${origin}/callback`] },
      },
    },
  };
}

describe("concreteTemplate", () => {
  it("turns the placeholder template into the one synthesized with the stack's values", () => {
    // Prepare
    const packed = templateFor(placeholderLocalMode(auth), PLACEHOLDERS.webOrigin);

    // Act
    const concrete = concreteTemplate(packed, { mode: stackMode, webOrigin });

    // Assess
    expect(concrete).toEqual(templateFor(stackMode, webOrigin));
    expect(placeholdersIn(JSON.stringify(concrete))).toEqual([]);
    // The settings go to Picstack's functions only, not to CDK's handlers.
    expect(concrete.Resources?.handler?.Properties?.Environment?.Variables).toEqual({ BUCKET: "b" });
  });

  it("renames the API's deployment after the stack's values, as a synth with them would", () => {
    // Prepare: CDK names the deployment after a hash of the API's configuration.
    const packed = {
      Resources: {
        ApiDeploymentFE1E72820123456789abcdef0123456789abcdef: {
          Type: "AWS::ApiGateway::Deployment",
          Properties: { Description: PLACEHOLDERS.webOrigin },
        },
        stage: {
          Type: "AWS::ApiGateway::Stage",
          Properties: { DeploymentId: { Ref: "ApiDeploymentFE1E72820123456789abcdef0123456789abcdef" } },
        },
      },
    };
    const deploymentOf = (template: { Resources?: object }) =>
      Object.keys(template.Resources ?? {}).find((id) => id.startsWith("ApiDeployment"));

    // Act
    const one = concreteTemplate(packed, { mode: stackMode, webOrigin });
    const again = concreteTemplate(packed, { mode: stackMode, webOrigin });
    const other = concreteTemplate(packed, { mode: stackMode, webOrigin: "http://127.0.0.1:5999" });

    // Assess
    const id = deploymentOf(one);
    expect(id).toMatch(/^ApiDeploymentFE1E7282[0-9a-f]{32}$/);
    expect(id).not.toBe("ApiDeploymentFE1E72820123456789abcdef0123456789abcdef");
    expect(one.Resources?.stage?.Properties).toEqual({ DeploymentId: { Ref: id } });
    expect(deploymentOf(again)).toBe(id);
    expect(deploymentOf(other)).not.toBe(id);
  });

  it("finds the placeholders a template still holds", () => {
    // Act
    const left = placeholdersIn(JSON.stringify(templateFor(placeholderLocalMode(auth), webOrigin)));
    // Assess
    expect(left).toEqual([
      PLACEHOLDERS.awsEndpoint,
      PLACEHOLDERS.s3PublicEndpoint,
      "picstack-placeholder-jwks",
    ]);
  });

  it("refuses test hooks, which an installed runner does not have", () => {
    // Act / Assess
    expect(() =>
      concreteTemplate(templateFor(stackMode, webOrigin), {
        mode: { ...stackMode, testHooks: "/tmp/hooks.mjs" },
        webOrigin,
      }),
    ).toThrow(/no test hooks/);
  });
});

describe("preparePackagedAssembly", () => {
  let source: string;
  let home: string;
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

  beforeAll(async () => {
    // Prepare: an assembly as `cdk synth` writes one, its template named by the hash of its content.
    source = await mkdtemp(join(tmpdir(), "picstack-assembly-"));
    home = await mkdtemp(join(tmpdir(), "picstack-home-"));
    const template = JSON.stringify(templateFor(placeholderLocalMode(auth), PLACEHOLDERS.webOrigin), null, 1);
    const hash = sha256(template);
    await writeFile(join(source, "local-picstack-Api.template.json"), template);
    await writeFile(
      join(source, "local-picstack-Api.assets.json"),
      JSON.stringify({ files: { [hash]: { destinations: { d: { objectKey: `${hash}.json` } } } } }),
    );
    await writeFile(
      join(source, "manifest.json"),
      JSON.stringify({
        artifacts: { api: { properties: { stackTemplateAssetObjectUrl: `s3://b/${hash}.json` } } },
      }),
    );
    await writeFile(join(source, "asset.abc"), "function code");
  });

  afterAll(async () => {
    await rm(source, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  });

  it("writes the concrete templates into the stack's home under their new hashes", async () => {
    // Act
    const outdir = await preparePackagedAssembly(source, home, { mode: stackMode, webOrigin });

    // Assess
    const template = await readFile(join(outdir, "local-picstack-Api.template.json"), "utf8");
    expect(JSON.parse(template)).toEqual(templateFor(stackMode, webOrigin));
    const hash = sha256(template);
    expect(await readFile(join(outdir, "local-picstack-Api.assets.json"), "utf8")).toContain(
      `"${hash}.json"`,
    );
    expect(await readFile(join(outdir, "manifest.json"), "utf8")).toContain(`s3://b/${hash}.json`);
    expect(await readFile(join(outdir, "asset.abc"), "utf8")).toBe("function code");
    // The packed assembly is left as it was, for the next stack.
    expect(
      placeholdersIn(await readFile(join(source, "local-picstack-Api.template.json"), "utf8")),
    ).toHaveLength(4);
  });
});
