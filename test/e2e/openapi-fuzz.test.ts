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

/**
 * Each phase gets its own run, its own user and its own time budget: in one run, schemathesis repeats
 * fuzzing until the whole budget is spent, which on a busy machine left nothing for the stateful phase.
 * Requests are not slowed to the rate limit: a `429` is a documented answer like any other, and waiting
 * out the analyze quota's `Retry-After` (minutes) would outlast any budget.
 */
const FUZZ_SECONDS = 90;
const STATEFUL_SECONDS = 60;
/** Room for schemathesis to start, load the document and finish its last case. */
const SLACK_MS = 90_000;

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

async function schemathesis(phases: string, seconds: number): Promise<string> {
  const { schemathesis: command } = await ensureTestToolsInstalled();
  const token = await tokenFor(`fuzzer-${Date.now()}`);
  const { code, output } = await run(command, [
    "--config-file",
    join(repoRoot, "test/e2e/schemathesis.toml"),
    "run",
    `${outputs().apiUrl}/openapi.json`,
    "--header",
    `Authorization: Bearer ${token}`,
    "--phases",
    phases,
    "--max-time",
    String(seconds),
    // One worker: the emulator runs on the same two cores.
    "--workers",
    "1",
    "--no-color",
  ]);
  // The run's figures in the test log: cases generated, scenarios and links followed.
  console.info(
    output
      .split("\n")
      .filter((l) => /generated,|Scenarios:|API Links:|Seed:/.test(l))
      .map((l) => `schemathesis ${phases}: ${l.trim()}`)
      .join("\n"),
  );
  expect(code, output.slice(-20_000)).toBe(0);
  return output;
}

describe("the API against its own OpenAPI document", () => {
  it(
    "answers every generated request, fitting the schemas or breaking them, as documented",
    async () => {
      const output = await schemathesis("coverage,fuzzing", FUZZ_SECONDS);
      const summary = output.slice(output.lastIndexOf("SUMMARY") - 40);
      expect(summary).toMatch(/Test cases:\s+\d+ generated, \d+ passed/);
    },
    FUZZ_SECONDS * 1000 + SLACK_MS,
  );

  it(
    "follows the links from a created image to its routes, with no server error",
    async () => {
      const output = await schemathesis("stateful", STATEFUL_SECONDS);
      // Stateful sequences ran: created images were followed to their routes through the links.
      expect(Number(/Scenarios:\s+(\d+)/.exec(output)?.[1] ?? 0)).toBeGreaterThan(0);
      expect(Number(/API Links:\s+(\d+) covered/.exec(output)?.[1] ?? 0)).toBeGreaterThan(0);
    },
    STATEFUL_SECONDS * 1000 + SLACK_MS,
  );
});
