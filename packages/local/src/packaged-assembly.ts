/**
 * The cloud assembly of an installed runner (packaged.ts): synthesized once, when the package is
 * packed, in local mode with placeholders for what differs from one local stack to the next, and made
 * concrete when a stack starts.
 *
 * Local mode changes the templates in a few strings only (infrastructure/local-mode.ts): the emulator's
 * endpoints, the web origin (CORS, the user pool's callback URLs), the dev issuer's JWKS, and the
 * function settings a local run chooses. So the pack synthesizes with unmistakable placeholder values
 * (and no settings), and `preparePackagedAssembly` copies the assembly into the stack's home, replaces
 * the placeholders in every template, adds the settings to the Picstack functions' environment, and
 * renames each changed template's asset (its S3 key is the hash of its content, as `cdk synth` names
 * it) so that the CDK CLI uploads the new one. The function bundles, the sharp layer and the gallery
 * assets are used as they were packed.
 */
import { createHash } from "node:crypto";
import { cp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { env } from "@picstack/infrastructure";
import type { LocalMode } from "@picstack/infrastructure/local-mode";

/** Placeholder values the pack synthesizes with; each is replaced wherever it appears in a template. */
export const PLACEHOLDERS = {
  awsEndpoint: "http://picstack-aws-endpoint.placeholder.invalid",
  s3PublicEndpoint: "http://picstack-s3-public-endpoint.placeholder.invalid",
  webOrigin: "http://picstack-web-origin.placeholder.invalid",
  jwks: { keys: [{ kid: "picstack-placeholder-jwks" }] },
} as const;

/** The local mode the pack synthesizes in: placeholders, the dev issuer and audience, no settings. */
export function placeholderLocalMode(auth: { issuer: string; audience: string }): LocalMode {
  return {
    awsEndpoint: PLACEHOLDERS.awsEndpoint,
    s3PublicEndpoint: PLACEHOLDERS.s3PublicEndpoint,
    auth: { ...auth, jwks: { keys: PLACEHOLDERS.jwks.keys.map((key) => ({ ...key })) } },
    settings: {},
  };
}

export interface StackValues {
  mode: LocalMode;
  webOrigin: string;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function replaceStrings(value: Json, replace: (text: string) => string): Json {
  if (typeof value === "string") return replace(value);
  if (Array.isArray(value)) return value.map((item) => replaceStrings(item, replace));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, replaceStrings(item, replace)]),
    );
  }
  return value;
}

interface TemplateResource {
  Type?: string;
  Properties?: { Environment?: { Variables?: Record<string, Json> }; [property: string]: unknown };
}

interface Template {
  Resources?: Record<string, TemplateResource>;
}

/** A template with the stack's values in place of the placeholders, and its settings on Picstack's functions. */
export function concreteTemplate(template: Template, values: StackValues): Template {
  if (values.mode.testHooks) throw new Error("an installed runner has no test hooks to preload");
  const jwks = JSON.stringify(values.mode.auth.jwks);
  const placeholderJwks = JSON.stringify(PLACEHOLDERS.jwks);
  const replaced = replaceStrings(template as Json, (text) =>
    text
      .replaceAll(PLACEHOLDERS.awsEndpoint, values.mode.awsEndpoint)
      .replaceAll(PLACEHOLDERS.s3PublicEndpoint, values.mode.s3PublicEndpoint)
      .replaceAll(PLACEHOLDERS.webOrigin, values.webOrigin)
      .replaceAll(placeholderJwks, jwks),
  ) as Template;
  for (const resource of Object.values(replaced.Resources ?? {})) {
    const variables = resource.Properties?.Environment?.Variables;
    // Picstack's own functions are the ones local mode set the endpoint on (not CDK's or SST's handlers).
    if (resource.Type !== "AWS::Lambda::Function" || !variables || !(env.awsEndpoint in variables)) continue;
    Object.assign(variables, values.mode.settings);
  }
  return renameDeployments(replaced, values);
}

/**
 * CDK names a REST API's deployment after a hash of the API's configuration (`ApiDeployment<id><hash>`),
 * so that a changed API gets a new deployment; the packed name hashes the placeholders. It gets a new
 * hash of the packed one and the stack's values: a stack with other values (another web origin in the
 * CORS answers) gets a new deployment, as a synth with them would give it; the same values, the same name.
 */
function renameDeployments(template: Template, values: StackValues): Template {
  let text = JSON.stringify(template);
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const hash = /[0-9a-f]{32}$/.exec(id)?.[0];
    if (resource.Type !== "AWS::ApiGateway::Deployment" || !hash) continue;
    const renamed = createHash("md5").update(hash).update(JSON.stringify(values)).digest("hex");
    text = text.replaceAll(`"${id}"`, `"${id.slice(0, -hash.length)}${renamed}"`);
  }
  return JSON.parse(text) as Template;
}

/** Every placeholder still in `text`: none may survive into a deployed template. */
export function placeholdersIn(text: string): string[] {
  const all = [
    PLACEHOLDERS.awsEndpoint,
    PLACEHOLDERS.s3PublicEndpoint,
    PLACEHOLDERS.webOrigin,
    "picstack-placeholder-jwks",
  ];
  return all.filter((placeholder) => text.includes(placeholder));
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Copies the packed assembly at `source` to `<home>/cdk.out` with the stack's values in its templates;
 * returns that folder, ready for `cdk deploy --app`.
 */
export async function preparePackagedAssembly(
  source: string,
  home: string,
  values: StackValues,
): Promise<string> {
  const outdir = join(home, "cdk.out");
  await rm(outdir, { recursive: true, force: true });
  await cp(source, outdir, { recursive: true });
  const names = await readdir(outdir);
  const renamed = new Map<string, string>();
  for (const name of names.filter((n) => n.endsWith(".template.json"))) {
    const file = join(outdir, name);
    const packed = await readFile(file, "utf8");
    const text = JSON.stringify(concreteTemplate(JSON.parse(packed) as Template, values), null, 1);
    const left = placeholdersIn(text);
    if (left.length > 0)
      throw new Error(`${name} still holds ${left.join(", ")} after the stack's values went in`);
    await writeFile(file, text);
    renamed.set(sha256(packed), sha256(text));
  }
  // The asset manifests and the assembly manifest name each template's S3 object by its content hash.
  for (const name of names.filter((n) => n.endsWith(".assets.json") || n === "manifest.json")) {
    const file = join(outdir, name);
    let text = await readFile(file, "utf8");
    for (const [before, after] of renamed) text = text.replaceAll(before, after);
    await writeFile(file, text);
  }
  return outdir;
}
