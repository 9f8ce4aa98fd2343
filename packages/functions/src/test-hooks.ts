/**
 * The one seam through which a test stack changes what a function does: hooks that wrap what wiring.ts
 * builds. Production code never registers any, so every function bundle runs without them. A local test
 * stack preloads a module of its own before the handler loads (local mode's `testHooks`: Node's
 * `--import` through NODE_OPTIONS) that registers them here; test/faults/ is such a module.
 *
 * The hooks live on `globalThis` under a registered symbol because the preloaded module and the handler's
 * bundle are separate module graphs: they share no module, only the process.
 */
import type { createDocumentClient, createS3Client } from "@picstack/adapters";
import type { ObjectStore } from "@picstack/core";

export const TEST_HOOKS = Symbol.for("picstack.test-hooks");

export interface TestHooks {
  /** Called once with the S3 client wiring builds, before its first call (e.g. to add to its middleware). */
  s3Client?(client: ReturnType<typeof createS3Client>): void;
  /** Called once with the DynamoDB document client wiring builds, before its first call. */
  dynamoDbClient?(client: ReturnType<typeof createDocumentClient>): void;
  /** Called once with the object store wiring builds; what it returns is used in its place. */
  objectStore?(store: ObjectStore): ObjectStore;
}

function isTestHooks(value: unknown): value is TestHooks {
  return typeof value === "object" && value !== null;
}

/** The hooks a preloaded module registered, or undefined (always, in a deployed function). */
export function testHooks(): TestHooks | undefined {
  const value: unknown = Reflect.get(globalThis, TEST_HOOKS);
  return isTestHooks(value) ? value : undefined;
}

/** For the preloaded module: registers `hooks` for this process, or removes them (undefined). */
export function registerTestHooks(hooks: TestHooks | undefined): void {
  if (hooks) Reflect.set(globalThis, TEST_HOOKS, hooks);
  else Reflect.deleteProperty(globalThis, TEST_HOOKS);
}
