/** POST /images/{id}/analyze: run the analysis of a ready image again (after a provider failure, say). */
import { createSqsClient, SqsAnalysisQueue } from "@picstack/adapters";
import { requestImageAnalysis } from "@picstack/core";
import { config } from "../config.js";
import { imageDeps } from "../wiring.js";
import { http, imageIdParam, json } from "./middleware.js";

const queueUrl = config().queueUrl;
if (!queueUrl) throw new Error("Invalid function configuration: PICSTACK_QUEUE_URL is required");
const analysisQueue = new SqsAnalysisQueue(createSqsClient(), queueUrl);

export const handler = http({ auth: true, rateLimit: "analyze" }, async ({ userId, pathParameters }) => {
  const deps = { ...imageDeps(), analysisQueue };
  return json(202, await requestImageAnalysis(deps, userId, imageIdParam(pathParameters)));
});
