/**
 * Reaching a stack from another process (readOutputs, stackStatus, stopStack), with real processes
 * standing in for the detached runner and its emulator. startStack itself runs in the e2e suite.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NoStackError, readOutputs, stackStatus, stopStack } from "../src/stack.js";
import { isAlive, outputsPath, readState, stateFile, writeState } from "../src/stack-state.js";

let home: string;
const children: ChildProcess[] = [];

function spawnProcess(name: string, detached = false): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", name], {
    stdio: "ignore",
    detached,
  });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once("exit", r));

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "picstack-stack-"));
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await rm(home, { recursive: true, force: true });
});

describe("readOutputs", () => {
  it("reads the home's outputs.json", async () => {
    await writeFile(outputsPath(home), JSON.stringify({ apiUrl: "http://127.0.0.1:1/api" }));
    expect(await readOutputs(home)).toEqual({ apiUrl: "http://127.0.0.1:1/api" });
    await rm(outputsPath(home));
  });

  it("throws NoStackError naming the file when no stack runs", async () => {
    await expect(readOutputs(home)).rejects.toThrow(NoStackError);
    await expect(readOutputs(home)).rejects.toThrow(outputsPath(home));
  });
});

describe("stackStatus and stopStack", () => {
  it("report nothing and stop nothing in a home with no stack", async () => {
    expect(await stackStatus(home)).toEqual({ running: false, ready: false, healthy: false });
    expect(await stopStack(home)).toEqual({ stopped: false });
  });

  it("stop the runner and the emulator's process group, and remove outputs, temp files and state", async () => {
    // Prepare: a runner stand-in, an emulator stand-in that leads its own process group with a worker
    // in it (as MiniStack's Lambda workers are), and the files a ready stack leaves.
    const runner = spawnProcess("cli.ts");
    const emulator = spawn(
      process.execPath,
      [
        "-e",
        "require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); setInterval(() => {}, 1000)",
        "ministack",
      ],
      { stdio: "ignore", detached: true },
    );
    children.push(emulator);
    const tmpDir = join(home, "ministack-4700", "tmp");
    await mkdir(join(tmpDir, "ministack-lambda-fn-abc"), { recursive: true });
    await writeFile(outputsPath(home), "{}");
    await writeState({
      pid: runner.pid as number,
      mode: "detached",
      status: "ready",
      target: "ministack",
      home,
      port: 4700,
      endpoint: "http://127.0.0.1:1",
      webPort: 5300,
      startedAt: new Date().toISOString(),
      emulatorPid: emulator.pid as number,
      tmpDir,
    });
    const status = await stackStatus(home);
    expect(status).toMatchObject({ running: true, ready: false, healthy: false });
    expect(status.state?.pid).toBe(runner.pid);

    // Act
    const result = await stopStack(home);

    // Assess
    expect(result.stopped).toBe(true);
    await Promise.all([exited(runner), exited(emulator)]);
    expect(runner.signalCode).toBe("SIGTERM");
    expect(emulator.signalCode).toBe("SIGTERM");
    expect(isAlive(-(emulator.pid as number))).toBe(false);
    expect(existsSync(outputsPath(home))).toBe(false);
    expect(existsSync(tmpDir)).toBe(false);
    expect(existsSync(stateFile(home))).toBe(false);
    expect(await stackStatus(home)).toMatchObject({ running: false });
  });

  it("clear a stale state whose processes are gone", async () => {
    const gone = spawnProcess("cli.ts");
    gone.kill("SIGKILL");
    await exited(gone);
    await writeFile(outputsPath(home), "{}");
    await writeState({
      pid: gone.pid as number,
      mode: "detached",
      status: "ready",
      target: "ministack",
      home,
      port: 4700,
      endpoint: "http://127.0.0.1:1",
      webPort: 5300,
      startedAt: new Date().toISOString(),
    });
    expect((await stackStatus(home)).running).toBe(false);
    expect(await stopStack(home)).toMatchObject({ stopped: false });
    expect(existsSync(outputsPath(home))).toBe(false);
    expect(await readState(home)).toBeUndefined();
  });
});
