/**
 * Preloaded into the functions of a local test stack (local mode's `testHooks`, bundled by
 * packages/local/src/test-hooks.ts, loaded with Node's `--import` before the handler): reads the fault
 * plan at the function's cold start and registers the hooks that carry it out. Changing
 * PICSTACK_TEST_FAULTS (UpdateFunctionConfiguration) starts new workers, which read the new plan.
 */
import { testSettings } from "@picstack/infrastructure";
import { registerTestHooks } from "../../packages/functions/src/test-hooks.js";
import { faultHooks, parseFaultPlan } from "./faults.js";

const text = process.env[testSettings.faults];
let plan = {};
try {
  plan = text === undefined ? {} : parseFaultPlan(text);
} catch (error) {
  throw new Error(`Invalid function configuration: ${testSettings.faults}: ${(error as Error).message}`);
}
registerTestHooks(faultHooks(plan));
