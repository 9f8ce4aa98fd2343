/** Users in AWS: a Cognito user pool whose ID tokens the API verifies (by JWKS, in the handlers). */
import { RemovalPolicy } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import type { StackContext } from "sst/constructs";
import { isProduction } from "./settings.js";

export function Auth({ stack, app }: StackContext) {
  const userPool = new cognito.UserPool(stack, "Users", {
    selfSignUpEnabled: true,
    signInAliases: { email: true },
    autoVerify: { email: true },
    passwordPolicy: { minLength: 12 },
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    removalPolicy: isProduction(app) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  const client = userPool.addClient("WebClient", {
    generateSecret: false,
    authFlows: { userSrp: true, userPassword: true },
    preventUserExistenceErrors: true,
  });
  const issuer = `https://cognito-idp.${stack.region}.amazonaws.com/${userPool.userPoolId}`;

  stack.addOutputs({ UserPoolId: userPool.userPoolId, UserPoolClientId: client.userPoolClientId });

  return {
    userPool,
    client,
    auth: { issuer, audience: client.userPoolClientId, jwksUrl: `${issuer}/.well-known/jwks.json` },
  };
}
