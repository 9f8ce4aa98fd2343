/**
 * Configuration checks: the stack tests that prove the deployed configuration is safe, run here too so
 * the reliability report lists them (they synthesize the SST stacks offline; no AWS needed).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@picstack/local";
import type { Report } from "./harness.js";

const CATEGORY = "Configuration";

/** The stack tests that make up this category, by (part of) their title, or with a name for the report. */
const CHECKS: ReadonlyArray<string | { match: string; name: string }> = [
  "grants no wildcard action on any data service",
  "keeps reads from writing and uploads from deleting",
  "blocks every kind of public access",
  "denies every request that is not made over TLS",
  "encrypts both queues with SQS-managed keys and denies requests not made over TLS",
  "gives the OpenAI key to the analysis functions only as a Secrets Manager secret",
  "no local-only ones",
  "answers CORS preflights and its own errors for the web origin only",
  "grants objects only under the declared prefixes, and no other wildcard resource",
  "retains the Storage stack's AWS::S3::Bucket on removal",
  "turns on the table's deletion protection",
  "must be given to deploy a stage other than the local one",
  "throttles every method of the stage at the declared rate and burst",
  "keeps the declared concurrency for the worker",
  {
    match: "is refused by the",
    name: "local mode is refused by the prod, dev, live, test and localstack stages",
  },
  "changes nothing else in any template",
];

interface VitestJson {
  testResults: {
    assertionResults: { fullName: string; title: string; status: string; failureMessages: string[] }[];
  }[];
}

export async function configuration(report: Report): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "picstack-config-"));
  const output = join(dir, "stacks.json");
  const checks = CHECKS.map((c) => (typeof c === "string" ? { match: c, name: c } : c));
  const pattern = checks.map(({ match: c }) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  try {
    await promisify(execFile)(
      process.execPath,
      [
        join(repoRoot, "node_modules/vitest/vitest.mjs"),
        "run",
        "--project",
        "stacks",
        "-t",
        pattern,
        "--reporter=json",
        `--outputFile=${output}`,
      ],
      { cwd: repoRoot, env: { ...process.env, NODE_ENV: "test" }, maxBuffer: 64 * 1024 * 1024 },
    ).catch(() => undefined); // failures are read from the report below
    const results = (JSON.parse(await readFile(output, "utf8")) as VitestJson).testResults.flatMap(
      (f) => f.assertionResults,
    );
    const ran = results.filter((r) => r.status === "passed" || r.status === "failed");
    for (const check of checks) {
      const matching = ran.filter((r) => r.title.includes(check.match));
      await report.check(CATEGORY, check.name, async () => {
        if (matching.length === 0) throw new Error("no stack test by that name ran");
        const failed = matching.filter((r) => r.status !== "passed");
        if (failed.length)
          throw new Error(failed.map((f) => `${f.title}: ${f.failureMessages[0]?.slice(0, 200)}`).join("; "));
        return matching.length > 1 ? `${matching.length} stack tests passed` : "stack test passed";
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
