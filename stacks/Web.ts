/**
 * The web gallery in AWS: packages/web built by Vite and served by CloudFront (an SST StaticSite).
 * The build gets the API URL, the Cognito hosted UI and the upload limit as VITE_ variables; SST puts
 * the deployed values in place of their `{{ NAME }}` placeholders after the stack deploys.
 *
 * The API and the bucket allow one CORS origin, PICSTACK_WEB_ORIGIN (required), and Cognito redirects only
 * there. CloudFront's address is known only after the first deploy: use a custom domain known ahead, or
 * deploy first with the origin of a gallery run locally (http://localhost:5173), read `WebUrl`, set
 * PICSTACK_WEB_ORIGIN to it and deploy again (docs/running.md, "3. AWS").
 */
import { DEFAULT_MAX_UPLOAD_BYTES } from "@picstack/core";
import { type StackContext, StaticSite, use } from "sst/constructs";
import { Api } from "./Api.js";
import { Auth } from "./Auth.js";

export function Web({ stack }: StackContext) {
  const { api } = use(Api);
  const { client, hostedUiUrl } = use(Auth);

  const site = new StaticSite(stack, "Gallery", {
    path: "packages/web",
    buildCommand: "npm run build",
    buildOutput: "dist",
    environment: {
      VITE_PICSTACK_API_URL: api.url,
      VITE_PICSTACK_COGNITO_DOMAIN: hostedUiUrl,
      VITE_PICSTACK_COGNITO_CLIENT_ID: client.userPoolClientId,
      VITE_PICSTACK_MAX_UPLOAD_BYTES: String(DEFAULT_MAX_UPLOAD_BYTES),
    },
  });

  stack.addOutputs({ WebUrl: site.url ?? "" });
  return { site };
}
