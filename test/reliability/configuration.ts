import type { Report } from "./harness.js";

export async function configuration(_report: Report): Promise<void> {}
