import type { SSTConfig } from "sst";
import { Analysis } from "./stacks/Analysis.js";
import { Api } from "./stacks/Api.js";
import { Auth } from "./stacks/Auth.js";
import { Storage } from "./stacks/Storage.js";

/** Picstack in AWS. The resources come from infrastructure/picstack.ts, like the local deployer's. */
export default {
  config() {
    return { name: "picstack", region: process.env.AWS_REGION ?? "us-east-1" };
  },
  stacks(app) {
    app.stack(Storage).stack(Auth).stack(Analysis).stack(Api);
  },
} satisfies SSTConfig;
