/** POST /images/{id}/analyze: run the analysis of a ready image again (after a provider failure, say). */
import { createSqsClient, SqsAnalysisQueue } from "@picstack/adapters";
import { requestImageAnalysis } from "@picstack/core";
import { config } from "../config.js";
import { imageDeps } from "../wiring.js";
import { authenticate } from "./middleware/auth.js";
import { rateLimit } from "./middleware/rate-limit.js";
import { api } from "./pipeline.js";
import { imageIdParam } from "./request.js";
import { json } from "./response.js";

const queueUrl = config().queueUrl;
if (!queueUrl) throw new Error("Invalid function configuration: PICSTACK_QUEUE_URL is required");
const analysisQueue = new SqsAnalysisQueue(createSqsClient(), queueUrl);

export const handler = api()
  .use(authenticate())
  .use(rateLimit("analyze"))
  .handler(async (event, context) => {
    const deps = { ...imageDeps(), analysisQueue };
    return json(202, await requestImageAnalysis(deps, context.userId, imageIdParam(event)));
  });
