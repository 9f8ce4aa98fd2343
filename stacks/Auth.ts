/** Users in AWS: a Cognito user pool whose ID tokens the API verifies (by JWKS, in the handlers). */
import { RemovalPolicy } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import type { StackContext } from "sst/constructs";
import { isDisposable, webOrigin } from "./settings.js";

export function Auth({ stack, app }: StackContext) {
  const userPool = new cognito.UserPool(stack, "Users", {
    selfSignUpEnabled: true,
    signInAliases: { email: true },
    autoVerify: { email: true },
    passwordPolicy: { minLength: 12 },
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    // The users are data too.
    removalPolicy: isDisposable(app) ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  });
  // The web gallery signs in through the hosted UI (authorization code with PKCE) and sends the ID token.
  const domain = userPool.addDomain("HostedUi", {
    cognitoDomain: { domainPrefix: `${app.name}-${app.stage}-${stack.account}`.toLowerCase() },
  });
  const callbackUrls = [`${webOrigin(app)}/`];
  const client = userPool.addClient("WebClient", {
    generateSecret: false,
    authFlows: { userSrp: true, userPassword: true },
    preventUserExistenceErrors: true,
    oAuth: {
      flows: { authorizationCodeGrant: true },
      scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
      callbackUrls,
      logoutUrls: callbackUrls,
    },
  });
  const issuer = `https://cognito-idp.${stack.region}.amazonaws.com/${userPool.userPoolId}`;

  const hostedUiUrl = domain.baseUrl();
  stack.addOutputs({
    UserPoolId: userPool.userPoolId,
    UserPoolClientId: client.userPoolClientId,
    HostedUiUrl: hostedUiUrl,
  });

  return {
    userPool,
    client,
    hostedUiUrl,
    auth: { issuer, audience: client.userPoolClientId, jwksUrl: `${issuer}/.well-known/jwks.json` },
  };
}
