/**
 * Synthesizes sst.config.ts into a CDK cloud assembly (templates, asset manifests, function bundles, the
 * sharp layer, the gallery), offline: `tsx synth-app.ts <outdir>`, run by synth.ts in a child process.
 *
 * This is what `sst deploy` does before it hands the assembly to CloudFormation, minus its two AWS
 * calls, which SST itself skips when NODE_ENV is "test": the STS identity (the account here is the
 * emulators' 000000000000) and the bootstrap stack lookup (its sourcemap uploader and Live Lambda
 * permissions, neither of which a deployed stage without `sst dev` uses).
 */
import { LOCAL_STAGE } from "@picstack/infrastructure";
import { App } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import { load } from "sst/stacks/build.js";

const [outdir, artifacts] = process.argv.slice(2);
if (!outdir || !artifacts) throw new Error("usage: synth-app.ts <outdir> <artifacts dir>");
if (process.env.NODE_ENV !== "test") throw new Error("NODE_ENV must be 'test': SST then skips its AWS calls");

await initProject({ stage: LOCAL_STAGE });
const project = useProject();
// SST stages function bundles in `.sst/artifacts`; each local stack has its own, so two synths (a
// developer's stack and a test suite's) never write each other's files.
project.paths.artifacts = artifacts;
const [, config] = await load(project.paths.config, false);
const app = new App(
  {
    mode: "deploy",
    stage: project.config.stage,
    name: project.config.name,
    region: project.config.region,
    // The account every local emulator reports.
    account: "000000000000",
  },
  { outdir },
);
await config.stacks(app);
await app.finish();
app.synth();
