import type { Context } from "./context.js";
import type { Report } from "./harness.js";

export async function faults(_ctx: Context, _report: Report): Promise<void> {}
