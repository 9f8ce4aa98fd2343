import { Logger } from "@aws-lambda-powertools/logger";

/** The API functions' logger; the pipeline adds the request id, the route and the user id to each line. */
export const logger = new Logger({ serviceName: "picstack-api" });
