import { defineConfig } from "vitest/config";

/**
 * Three projects: `unit` (fast, no network), `stacks` (offline CDK synth assertions) and `e2e`
 * (the whole stack on MiniStack, started once by test/e2e/global-setup.ts).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          // test/faults: the reliability suite's fault hooks, test code with unit tests of their own;
          // test/*.test.ts: checks of the repository's own layout.
          include: ["packages/*/test/**/*.test.ts", "test/faults/**/*.test.ts", "test/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "stacks",
          include: ["stacks/test/**/*.test.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One emulator for all files: run them one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
