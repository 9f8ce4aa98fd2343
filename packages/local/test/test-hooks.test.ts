/**
 * A test stack's test hooks as the local runner hands them over: local mode names the bundle it builds in
 * the stack's home, only for a run that asks, and only where functions run on this machine.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localModeSchema } from "@picstack/infrastructure/local-mode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeployOptions, localModeFor } from "../src/deploy.js";
import { testHooksBundle } from "../src/test-hooks.js";

let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "picstack-hooks-"));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const options = (): DeployOptions => ({
  target: "ministack",
  endpoint: "http://127.0.0.1:4566",
  webOrigin: "http://127.0.0.1:5173",
  home,
});

describe("localModeFor and test hooks", () => {
  it("names the stack's bundle of the hooks when a test stack asks for them, in a mode the stacks accept", async () => {
    // Act
    const mode = await localModeFor({ ...options(), testHooks: "/repo/test/faults/preload.ts" });

    // Assess
    expect(mode.testHooks).toBe(testHooksBundle(home));
    expect(localModeSchema.safeParse(mode).success).toBe(true);
  });

  it("names none otherwise", async () => {
    // Act / Assess
    expect((await localModeFor(options())).testHooks).toBeUndefined();
  });

  it("refuses them on LocalStack, whose functions run in containers that cannot see this machine's files", async () => {
    // Act / Assess
    await expect(
      localModeFor({ ...options(), target: "localstack", testHooks: "/repo/test/faults/preload.ts" }),
    ).rejects.toThrow(/only MiniStack/);
  });
});
