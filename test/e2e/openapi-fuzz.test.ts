/**
 * Property-based tests generated from the served OpenAPI document (schemathesis): requests that fit
 * the schemas and requests that break them, on every route, then stateful sequences that follow the
 * document's links from a created image to its routes. Every answer must be documented for its
 * route and status and match its schema, headers and content type; none may be a 5xx; a request
 * that breaks the schemas must be refused and one that fits them accepted; a deleted image must be
 * gone and a created one reachable. The checks and their few exceptions are in schemathesis.toml.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ensureTestToolsInstalled, repoRoot } from "@picstack/local";
import { describe, expect, it } from "vitest";
import { outputs, tokenFor } from "./helpers.js";

/** The whole run's time budget; schemathesis spreads it over its phases. */
const BUDGET_SECONDS = 150;

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Its cache (.schemathesis/) goes with the rest of the local state, out of the work tree.
    const child = spawn(command, args, {
      cwd: join(repoRoot, ".picstack"),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("the API against its own OpenAPI document", () => {
  it(
    "answers every generated request as documented, with no server error",
    async () => {
      // Prepare
      const { schemathesis } = ensureTestToolsInstalled();
      const token = await tokenFor(`fuzzer-${Date.now()}`);

      // Act
      const { code, output } = await run(schemathesis, [
        "--config-file",
        join(repoRoot, "test/e2e/schemathesis.toml"),
        "run",
        `${outputs().apiUrl}/openapi.json`,
        "--header",
        `Authorization: Bearer ${token}`,
        "--phases",
        "coverage,fuzzing,stateful",
        "--max-time",
        String(BUDGET_SECONDS),
        // One worker: the emulator runs on the same two cores.
        "--workers",
        "1",
        // Writes are limited to 30 at once and 1 a second per user: wait out each 429's Retry-After
        // rather than let the limiter answer most of the generated writes.
        "--rate-limit",
        "auto",
        "--no-color",
      ]);

      // Assess
      const summary = output.slice(output.lastIndexOf("SUMMARY") - 40);
      // The run's figures in the test log: cases generated, scenarios and links followed.
      console.info(
        output
          .split("\n")
          .filter((l) => /generated,|Scenarios:|API Links:|Seed:/.test(l))
          .map((l) => `schemathesis ${l.trim()}`)
          .join("\n"),
      );
      expect(code, output.slice(-20_000)).toBe(0);
      expect(summary).toMatch(/Test cases:\s+\d+ generated, \d+ passed/);
      // Stateful sequences ran: created images were followed to their routes through the links.
      expect(Number(/Scenarios:\s+(\d+)/.exec(output)?.[1] ?? 0)).toBeGreaterThan(0);
      expect(Number(/API Links:\s+(\d+) covered/.exec(output)?.[1] ?? 0)).toBeGreaterThan(0);
    },
    (BUDGET_SECONDS + 90) * 1000,
  );
});
