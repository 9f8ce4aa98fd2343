/** The types every step of the HTTP pipeline shares (pipeline.ts puts the steps together). */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";

/** The event as API Gateway sends it; `body` appears once `jsonBody` has parsed it. */
export type ApiEvent = Omit<APIGatewayProxyEvent, "body">;
export type ApiResult = APIGatewayProxyResult;
/** The Lambda context once `authenticate` has run: `userId` is the token's `sub`. */
export type UserContext = Context & { userId: string };
