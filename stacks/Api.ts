/** The REST API: one Lambda per function in the declaration, one route per entry in `routes`. */
import {
  cors,
  type FunctionId,
  type FunctionSpec,
  functions,
  gatewayResponseBody,
  gatewayResponses,
  queueConsumer,
  routes,
  searchQueueConsumer,
} from "@picstack/infrastructure";
import * as apig from "aws-cdk-lib/aws-apigateway";
import { ApiGatewayV1Api, type Function as SstFunction, type StackContext, use } from "sst/constructs";
import { Auth } from "./Auth.js";
import { picstackFunction } from "./functions.js";
import { Storage } from "./Storage.js";
import { apiThrottle, webOrigin } from "./settings.js";

export function Api({ stack, app }: StackContext) {
  const storage = use(Storage);
  const { auth } = use(Auth);

  // Every declared function is deployed: behind a route here, as a queue consumer (Analysis) or on its
  // schedule (Jobs).
  const routed = new Set<FunctionId>(routes.map((r) => r.function));
  const unused = (Object.keys(functions) as FunctionId[]).filter(
    (id) =>
      !routed.has(id) &&
      id !== queueConsumer &&
      id !== searchQueueConsumer &&
      !(functions[id] as FunctionSpec).schedule,
  );
  if (unused.length) throw new Error(`Functions with no route and no queue: ${unused.join(", ")}`);

  const handlers = new Map<FunctionId, SstFunction>();
  const handlerFor = (id: FunctionId) => {
    let fn = handlers.get(id);
    if (!fn) {
      fn = picstackFunction(stack, id, { ...storage, auth });
      handlers.set(id, fn);
    }
    return fn;
  };

  const origin = webOrigin(app);
  const throttle = apiThrottle();
  const api = new ApiGatewayV1Api(stack, "Api", {
    routes: Object.fromEntries(
      routes.map((r) => [`${r.method} ${r.path}`, { function: handlerFor(r.function) }]),
    ),
    // The deployment stage is the SST stage (SST's default for `deployOptions.stageName`).
    // CORS is set on the RestApi, not with SST's `cors` prop: that would answer every origin with '*'.
    cdk: {
      restApi: {
        endpointConfiguration: { types: [apig.EndpointType.REGIONAL] },
        // One throttle for every method of the stage (`*/*`), so a flood of requests is refused at the
        // gateway before it takes the account's Lambda concurrency; the handlers' per-user limits apply under it.
        deployOptions: {
          throttlingRateLimit: throttle.rateLimit,
          throttlingBurstLimit: throttle.burstLimit,
        },
        defaultCorsPreflightOptions: {
          allowOrigins: [origin],
          allowMethods: [...new Set(routes.map((r) => r.method))],
          allowHeaders: [...cors.api.allowHeaders],
          allowCredentials: cors.api.allowCredentials,
        },
      },
    },
  });
  // Answers API Gateway makes itself (no route, too large, throttled, its own errors) carry the contract's
  // JSON error body and CORS headers too.
  for (const response of gatewayResponses) {
    api.cdk.restApi.addGatewayResponse(`Gateway${response.type}`, {
      type: apig.ResponseType.of(response.type),
      ...(response.statusCode ? { statusCode: String(response.statusCode) } : {}),
      responseHeaders: { "Access-Control-Allow-Origin": `'${origin}'`, Vary: "'Origin'" },
      templates: { "application/json": gatewayResponseBody(response) },
    });
  }

  stack.addOutputs({ ApiUrl: api.url, Region: stack.region });
  return { api };
}
