import { ARCHITECTURE, RUNTIME } from "@picstack/infrastructure";
import { localMode } from "@picstack/infrastructure/local-mode";
import type { SSTConfig } from "sst";
import { Analysis } from "./stacks/Analysis.js";
import { Api } from "./stacks/Api.js";
import { Auth } from "./stacks/Auth.js";
import { Jobs } from "./stacks/Jobs.js";
import { Storage } from "./stacks/Storage.js";
import { Web } from "./stacks/Web.js";

/**
 * Picstack in AWS: `PICSTACK_WEB_ORIGIN=<origin> npx sst deploy --stage <name>` (`--region` overrides the
 * region). The resources come from infrastructure/picstack.ts; `npm start` deploys these same templates to a
 * local emulator (docs/running.md). Every stage keeps
 * its data on `sst remove` unless it was deployed with PICSTACK_DISPOSABLE_STAGE=<name>; the deploy-time
 * settings are read and checked in stacks/settings.ts.
 */
export default {
  config(_input) {
    return { name: "picstack", region: "us-east-1" };
  },
  stacks(app) {
    // Local mode (a local emulator's settings) is refused here, before anything is built, on any stage but
    // the local one.
    localMode(app.stage);
    // Each function also sets these from the declaration; the defaults cover any function SST adds.
    // SST 2.49.8 maps "nodejs22.x" to Runtime.NODEJS_22_X (and defaults to it).
    app.setDefaultFunctionProps({ runtime: RUNTIME, architecture: ARCHITECTURE });
    app.stack(Storage).stack(Auth).stack(Analysis).stack(Api).stack(Jobs).stack(Web);
  },
} satisfies SSTConfig;
