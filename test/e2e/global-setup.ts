/**
 * Starts the whole stack on MiniStack once for the e2e project with the programmatic API that CI suites
 * of other repositories use (`startStack`, docs/ci.md), on its own port and state directory so it never
 * touches a developer's running stack. A fake OpenAI-compatible server (test/fake-openai.ts) serves the
 * stack's embeddings, so semantic search and stored embeddings are tested offline; the analysis stays
 * on the offline `basic` provider.
 */
import { join } from "node:path";
import { buildClients, type Outputs, repoRoot, startStack } from "@picstack/local";
import type { TestProject } from "vitest/node";
import { startFakeOpenAi } from "../fake-openai.js";

declare module "vitest" {
  export interface ProvidedContext {
    outputs: Outputs;
    home: string;
    /** The fake OpenAI-compatible server's base URL (`OPENAI_BASE_URL` of the stack's functions). */
    fakeOpenAiUrl: string;
    /** The function settings the stack was deployed with. */
    settings: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  const port = Number(process.env.PICSTACK_TEST_PORT ?? 4610);
  // One home per port, so suites on different ports never share files; the dev key is reused.
  const home = join(repoRoot, `.picstack/e2e-${port}`);
  // The gallery and the CLI binary are what the browser and CLI tests drive: build them as users get them.
  await buildClients();
  const openAi = await startFakeOpenAi();
  // Tests never call a real AI provider, whatever the developer's environment holds: the analysis is
  // chosen `basic` (a key alone would make it openai), and embeddings go to the fake server.
  const settings = {
    PICSTACK_ANALYSIS_PROVIDER: "basic",
    PICSTACK_EMBEDDING_PROVIDER: "openai",
    OPENAI_BASE_URL: openAi.baseURL,
    OPENAI_API_KEY: "test-key",
  };
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack({
      port,
      webPort: Number(process.env.PICSTACK_TEST_WEB_PORT ?? 5190),
      home,
      settings,
    });
  } catch (error) {
    await openAi.close();
    throw error;
  }
  project.provide("outputs", stack.outputs);
  project.provide("home", home);
  project.provide("fakeOpenAiUrl", openAi.baseURL);
  project.provide("settings", settings);
  return async () => {
    await stack.stop();
    await openAi.close();
  };
}
