/**
 * Starts the whole stack on MiniStack once for the e2e project, exactly as `npm start` does, on its own
 * port and state directory so it never touches a developer's running stack.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { buildClients, type Outputs, repoRoot, startLocalStack } from "@picstack/local";
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
  await rm(join(home, "outputs.json"), { force: true });
  // The gallery and the CLI binary are what the browser and CLI tests drive: build them as users get them.
  await buildClients();
  const stack = await startLocalStack({
    target: "ministack",
    port,
    webPort: Number(process.env.PICSTACK_TEST_WEB_PORT ?? 5190),
    localstackEndpoint: "http://localhost:4566",
    home,
    persist: false,
    // Tests never call a real AI provider, whatever the developer's environment holds.
    settings: { PICSTACK_ANALYSIS_PROVIDER: "basic" },
    log: () => {},
  });
  project.provide("outputs", stack.outputs);
  project.provide("home", home);
  return async () => {
    await stack.stop();
  };
}
