/**
 * The local runner as a CI job in another repository drives it: `start --detach`, `status`, `stop`, with
 * the real commands on a stack of their own (the suite's port + 1 and web port + 1, a home of its own).
 * A second checkout (another home) on the same port is refused before anything is synthesized.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { isAlive, isPortFree, type Outputs, readOutputs, repoRoot, stopStack } from "@picstack/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const port = Number(process.env.PICSTACK_TEST_PORT ?? 4610) + 1;
const webPort = Number(process.env.PICSTACK_TEST_WEB_PORT ?? 5190) + 1;
const home = join(repoRoot, `.picstack/detached-${port}`);
const otherHome = join(repoRoot, `.picstack/detached-other-${port}`);
const tmpDir = join(home, `ministack-${port}`, "tmp");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm start`'s command line, as a CI step runs it. */
async function cli(args: string[], timeout = 60_000): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(
      join(repoRoot, "node_modules/.bin/tsx"),
      [join(repoRoot, "packages/local/src/cli.ts"), ...args],
      {
        cwd: repoRoot,
        timeout,
        env,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

// Never a real AI provider, whatever the developer's environment holds.
const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...developerEnv } = process.env;
const env = { ...developerEnv, PICSTACK_ANALYSIS_PROVIDER: "basic" };

let outputs: Outputs;

beforeAll(async () => {
  await stopStack(home);
  await rm(otherHome, { recursive: true, force: true });
});

afterAll(async () => {
  await stopStack(home);
  await rm(otherHome, { recursive: true, force: true });
});

describe("npm start -- --detach, status and stop", () => {
  it("refuses a mistyped flag with the closest one and exit code 2", async () => {
    const ran = await cli(["start", "--prot", "4800"]);
    expect(ran.code).toBe(2);
    expect(ran.stderr.trim()).toBe("picstack: unknown option --prot; did you mean --port? (see --help)");
  });

  it("returns 0 once the stack is ready, with outputs written, and leaves it running", async () => {
    const ran = await cli(
      ["start", "--detach", "--port", String(port), "--web-port", String(webPort), "--home", home],
      600_000,
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain("Picstack is up");
    expect(ran.stdout).toContain(join(home, "stack.log"));
    outputs = await readOutputs(home);
    expect(ran.stdout).toContain(outputs.apiUrl);
    expect(outputs.endpoint).toBe(`http://127.0.0.1:${port}`);
    expect(outputs.webUrl).toBe(`http://127.0.0.1:${webPort}`);
    // The command has returned: what answers now is the background process.
    const health = await fetch(`${outputs.apiUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    // MiniStack's per-function working folders are in the stack's home, not the system's temp folder.
    expect(readdirSync(tmpDir).some((name) => name.startsWith("ministack-lambda-"))).toBe(true);
  }, 660_000);

  it("refuses another checkout's start on the same port without --force, and deploys nothing", async () => {
    for (const args of [
      ["start", "--detach", "--port", String(port), "--web-port", String(webPort + 1), "--home", otherHome],
      ["start", "--port", String(port), "--web-port", String(webPort + 1), "--home", otherHome],
      ["deploy", "--port", String(port), "--home", otherHome],
    ]) {
      const ran = await cli(args);
      expect(ran.code, args.join(" ")).toBe(1);
      expect(ran.stderr).toContain(`port ${port}`);
      expect(ran.stderr).toContain("--force");
      // One line, no stack trace.
      expect(ran.stderr.trim().split("\n")).toHaveLength(1);
    }
    // Nothing was synthesized, installed or recorded for the other home.
    for (const file of ["outputs.json", "stack.json", "cdk.out", "dev-issuer"]) {
      expect(existsSync(join(otherHome, file)), file).toBe(false);
    }
    // This checkout's stack is untouched.
    expect(await readOutputs(home)).toEqual(outputs);
    expect((await fetch(`${outputs.apiUrl}/health`)).status).toBe(200);
  });

  it("refuses a second start of the same home, saying it runs and how to stop it", async () => {
    const ran = await cli(["start", "--port", String(port), "--web-port", String(webPort), "--home", home]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain("already running; stop it with `npm run stop`");
  });

  it("status says what runs where, with a meaningful exit code", async () => {
    const ran = await cli(["status", "--home", home]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/Picstack \(ready\), detached, pid \d+/);
    expect(ran.stdout).toContain(`port ${port}`);
    expect(ran.stdout).toContain(`web port: ${webPort}`);
    expect(ran.stdout).toContain(outputs.apiUrl);
    expect(ran.stdout).toContain(outputs.webUrl);
    expect(ran.stdout).toContain("started:");
    const json = JSON.parse((await cli(["status", "--json", "--home", home])).stdout) as {
      ready: boolean;
      state: { pid: number; port: number; webPort: number };
    };
    expect(json).toMatchObject({ ready: true, state: { port, webPort } });
    expect(isAlive(json.state.pid)).toBe(true);
    const none = await cli(["status", "--home", otherHome]);
    expect(none.code).toBe(3);
    expect(none.stdout).toContain("not running");
  });

  it("stop ends it: outputs.json and the temp folders removed, the ports free, the process gone", async () => {
    const { state } = JSON.parse((await cli(["status", "--json", "--home", home])).stdout) as {
      state: { pid: number; emulatorPid: number };
    };
    const ran = await cli(["stop", "--home", home]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain("Stopped Picstack");
    expect(existsSync(join(home, "outputs.json"))).toBe(false);
    expect(existsSync(join(home, "stack.json"))).toBe(false);
    expect(existsSync(tmpDir)).toBe(false);
    expect(isAlive(state.pid)).toBe(false);
    expect(isAlive(state.emulatorPid)).toBe(false);
    expect(await isPortFree(port)).toBe(true);
    expect(await isPortFree(webPort)).toBe(true);
    expect((await cli(["status", "--home", home])).code).toBe(3);
    // A second stop is a no-op that succeeds (CI runs it in an always-step).
    expect((await cli(["stop", "--home", home])).code).toBe(0);
  });

  it("a foreground start stopped with Ctrl-C removes outputs.json and the temp folders too", async () => {
    // The templates of the run above are reused, so this start takes seconds.
    const child = spawn(
      join(repoRoot, "node_modules/.bin/tsx"),
      [
        join(repoRoot, "packages/local/src/cli.ts"),
        "start",
        "--port",
        String(port),
        "--web-port",
        String(webPort),
        "--home",
        home,
      ],
      { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 240_000;
    while (!output.includes("Picstack is up") && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(output).toContain("Picstack is up");
    expect(existsSync(join(home, "outputs.json"))).toBe(true);
    expect(existsSync(tmpDir)).toBe(true);
    // Act: Ctrl-C
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    // Assess
    expect(existsSync(join(home, "outputs.json"))).toBe(false);
    expect(existsSync(join(home, "stack.json"))).toBe(false);
    expect(existsSync(tmpDir)).toBe(false);
    expect(await isPortFree(port)).toBe(true);
    expect(await isPortFree(webPort)).toBe(true);
  }, 300_000);
});
