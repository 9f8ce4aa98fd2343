/**
 * Starts the whole stack on MiniStack once for the e2e project with the programmatic API that CI suites
 * of other repositories use (`startStack`, docs/ci.md), on its own port and state directory so it never
 * touches a developer's running stack.
 */
import { join } from "node:path";
import { buildClients, type Outputs, repoRoot, startStack } from "@picstack/local";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    outputs: Outputs;
    home: string;
  }
}

export default async function setup(project: TestProject) {
  const port = Number(process.env.PICSTACK_TEST_PORT ?? 4610);
  // One home per port, so suites on different ports never share files; the dev key is reused.
  const home = join(repoRoot, `.picstack/e2e-${port}`);
  // The gallery and the CLI binary are what the browser and CLI tests drive: build them as users get them.
  await buildClients();
  const stack = await startStack({
    port,
    webPort: Number(process.env.PICSTACK_TEST_WEB_PORT ?? 5190),
    home,
    // Tests never call a real AI provider, whatever the developer's environment holds.
    settings: { PICSTACK_ANALYSIS_PROVIDER: "basic" },
  });
  project.provide("outputs", stack.outputs);
  project.provide("home", home);
  return async () => {
    await stack.stop();
  };
}
