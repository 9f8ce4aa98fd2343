/** The REST API: one Lambda per function in the declaration, one route per entry in `routes`. */
import { type FunctionId, routes } from "@picstack/infrastructure";
import * as apig from "aws-cdk-lib/aws-apigateway";
import { ApiGatewayV1Api, type Function as SstFunction, type StackContext, use } from "sst/constructs";
import { Auth } from "./Auth.js";
import { picstackFunction } from "./functions.js";
import { Storage } from "./Storage.js";
import { webOrigin } from "./settings.js";

export function Api({ stack }: StackContext) {
  const storage = use(Storage);
  const { auth } = use(Auth);

  const handlers = new Map<FunctionId, SstFunction>();
  const handlerFor = (id: FunctionId) => {
    let fn = handlers.get(id);
    if (!fn) {
      fn = picstackFunction(stack, id, { ...storage, auth });
      handlers.set(id, fn);
    }
    return fn;
  };

  const origin = webOrigin();
  const api = new ApiGatewayV1Api(stack, "Api", {
    routes: Object.fromEntries(
      routes.map((r) => [`${r.method} ${r.path}`, { function: handlerFor(r.function) }]),
    ),
    cdk: {
      restApi: {
        endpointConfiguration: { types: [apig.EndpointType.REGIONAL] },
        defaultCorsPreflightOptions: {
          allowOrigins: [origin],
          allowMethods: [...new Set(routes.map((r) => r.method))],
          allowHeaders: ["Authorization", "Content-Type"],
          maxAge: undefined,
        },
      },
    },
  });
  // Answers API Gateway makes itself (unknown route, throttling) carry CORS headers too.
  for (const type of [apig.ResponseType.DEFAULT_4XX, apig.ResponseType.DEFAULT_5XX]) {
    api.cdk.restApi.addGatewayResponse(`Cors${type.responseType}`, {
      type,
      responseHeaders: { "Access-Control-Allow-Origin": `'${origin}'`, Vary: "'Origin'" },
    });
  }

  stack.addOutputs({ ApiUrl: api.url, Region: stack.region });
  return { api };
}
