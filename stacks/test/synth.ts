/** Synthesizes the stacks offline (no AWS credentials, no network) for assertions. */
import { Template } from "aws-cdk-lib/assertions";
import { App, getStack } from "sst/constructs";
import { initProject } from "sst/project.js";
import { Analysis } from "../Analysis.js";
import { Api } from "../Api.js";
import { Auth } from "../Auth.js";
import { Storage } from "../Storage.js";

export interface Synthesized {
  storage: Template;
  auth: Template;
  analysis: Template;
  api: Template;
}

let cached: Promise<Synthesized> | undefined;

export function synthesize(): Promise<Synthesized> {
  cached ??= (async () => {
    await initProject({ stage: "test" });
    const app = new App({ mode: "deploy" });
    app.stack(Storage).stack(Auth).stack(Analysis).stack(Api);
    return {
      storage: Template.fromStack(getStack(Storage)),
      auth: Template.fromStack(getStack(Auth)),
      analysis: Template.fromStack(getStack(Analysis)),
      api: Template.fromStack(getStack(Api)),
    };
  })();
  return cached;
}
