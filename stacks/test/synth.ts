/**
 * Synthesizes the app offline (no AWS credentials, no network) the way `sst deploy` does, for assertions:
 * SST's CLI loader bundles sst.config.ts, its `stacks(app)` builds the stacks on an App with the project's
 * stage, name and region, and `app.finish()` bundles every function (SST sets a function's real runtime,
 * handler and code only then). Only the STS call and the bootstrap lookup are left out, which SST itself
 * skips when NODE_ENV is "test" (vitest sets it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSharpLayer } from "@picstack/infrastructure/layers/sharp";
import { LOCAL_MODE_VARIABLE } from "@picstack/infrastructure/local-mode";
import type { Stack as CdkStack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { App } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import { load } from "sst/stacks/build.js";
import { deployEnv } from "../settings.js";

/** The web origin the tests deploy with, so CORS and environment assertions prove it is honoured. */
export const TEST_WEB_ORIGIN = "https://picstack-web.example.test";
export const TEST_ACCOUNT = "123456789012";

export const STACK_NAMES = ["Storage", "Auth", "Analysis", "Api", "Jobs", "Web"] as const;
export type StackName = (typeof STACK_NAMES)[number];

export interface Synthesized {
  app: App;
  /** Where CDK staged the assets (function bundles, the sharp layer). */
  outdir: string;
  templates: Record<StackName, Template>;
}

/** The variables a synth reads: the deploy-time settings and local mode. */
const SYNTH_VARIABLES = [...Object.values(deployEnv), LOCAL_MODE_VARIABLE] as const;
export type DeployEnv = Partial<Record<(typeof SYNTH_VARIABLES)[number], string>>;

/**
 * Synthesizes with exactly `env` for the deploy-time variables (stacks/settings.ts) and local mode
 * (infrastructure/local-mode.ts): any other value of theirs in the environment (a developer's shell, an .env file) is hidden for the synth and put back after.
 */
export async function synthesize(options: {
  stage: string;
  bundle: boolean;
  env: DeployEnv;
  mode?: "deploy" | "remove";
}): Promise<Synthesized> {
  if (options.bundle && process.env.NODE_ENV !== "test") {
    throw new Error("NODE_ENV must be 'test': SST then bundles functions without looking up AWS");
  }
  await initProject({ stage: options.stage });
  // After initProject, which loads .env files over process.env.
  const names = SYNTH_VARIABLES;
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const name of names) {
      const value = values[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  set(options.env);
  const outdir = mkdtempSync(join(tmpdir(), "picstack-cdk-"));
  let app: App;
  try {
    const project = useProject();
    const [, config] = await load(project.paths.config, false);
    app = new App(
      {
        mode: options.mode ?? "deploy",
        stage: project.config.stage,
        name: project.config.name,
        region: project.config.region,
        account: TEST_ACCOUNT,
      },
      { outdir, context: { "aws:cdk:enable-asset-metadata": true } },
    );
    await config.stacks(app);
    if (options.bundle) await app.finish();
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  } finally {
    set(saved);
  }

  const templates = Object.fromEntries(
    STACK_NAMES.map((name) => {
      const stack = app.node.tryFindChild(app.logicalPrefixedName(name)) as CdkStack | undefined;
      if (!stack) throw new Error(`sst.config.ts built no ${name} stack`);
      return [name, Template.fromStack(stack)];
    }),
  ) as Record<StackName, Template>;
  return { app, outdir, templates };
}

/** The sharp layer, built (or found built) the way the synth builds it. */
export function sharpLayer(): Promise<string> {
  return buildSharpLayer();
}
