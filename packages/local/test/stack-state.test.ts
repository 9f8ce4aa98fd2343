/**
 * The state file that records who runs a home's stack, and what it says about the live processes:
 * real processes (this one, a child, a finished one) stand for the runner and the emulator.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  describeState,
  isAlive,
  isProcess,
  liveness,
  ownsPort,
  readState,
  removeState,
  runningState,
  type StackState,
  stateFile,
  writeState,
} from "../src/stack-state.js";

let home: string;
let sleeper: ChildProcess;
let gonePid: number;

/** A process whose command line names `ministack`, standing in for the emulator. */
function spawnSleeper(): ChildProcess {
  return spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "ministack"], { stdio: "ignore" });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "picstack-state-"));
  sleeper = spawnSleeper();
  const gone = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((r) => gone.once("exit", r));
  gonePid = gone.pid as number;
});

afterAll(async () => {
  sleeper.kill("SIGKILL");
  await rm(home, { recursive: true, force: true });
});

const state = (overrides: Partial<StackState> = {}): StackState => ({
  pid: process.pid,
  mode: "detached",
  status: "ready",
  target: "ministack",
  home,
  port: 4700,
  endpoint: "http://127.0.0.1:4700",
  webPort: 5300,
  startedAt: "2026-12-01T12:00:00.000Z",
  ...overrides,
});

describe("the state file", () => {
  it("round-trips and is removed", async () => {
    // Act
    await writeState(state({ emulatorPid: 1234 }));
    // Assess
    expect(await readState(home)).toEqual(state({ emulatorPid: 1234 }));
    await removeState(home);
    expect(existsSync(stateFile(home))).toBe(false);
    expect(await readState(home)).toBeUndefined();
  });

  it("reads as no stack when it is not JSON", async () => {
    await writeFile(stateFile(home), "{ half");
    expect(await readState(home)).toBeUndefined();
    await removeState(home);
  });
});

describe("processes", () => {
  it("tells a live process from one that exited", () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(sleeper.pid)).toBe(true);
    expect(isAlive(gonePid)).toBe(false);
    expect(isAlive(undefined)).toBe(false);
  });

  it("checks the command line where /proc has it, so a reused pid is not taken for the emulator", () => {
    expect(isProcess(sleeper.pid, "ministack")).toBe(true);
    if (existsSync("/proc/self/cmdline")) expect(isProcess(process.pid, "ministack")).toBe(false);
    expect(isProcess(gonePid, "")).toBe(false);
  });
});

describe("ownership", () => {
  it("a live runner owns its emulator's port and its web port, and no other", () => {
    const own = state({ emulatorPid: sleeper.pid });
    expect(liveness(own)).toEqual({ runner: true, emulator: true });
    expect(ownsPort(own, 4700)).toBe(true);
    expect(ownsPort(own, 5300)).toBe(true);
    expect(ownsPort(own, 4701)).toBe(false);
    expect(ownsPort(undefined, 4700)).toBe(false);
  });

  it("an emulator left behind by a runner that died still belongs to the home; its web port does not", () => {
    const orphan = state({ pid: gonePid, emulatorPid: sleeper.pid });
    expect(liveness(orphan)).toEqual({ runner: false, emulator: true });
    expect(ownsPort(orphan, 4700)).toBe(true);
    expect(ownsPort(orphan, 5300)).toBe(false);
  });

  it("a stale file (nothing of it runs) owns nothing, and runningState ignores it", async () => {
    const stale = state({ pid: gonePid, emulatorPid: gonePid });
    expect(ownsPort(stale, 4700)).toBe(false);
    await writeState(stale);
    expect(await runningState(home)).toBeUndefined();
    await writeState(state());
    expect(await runningState(home)).toMatchObject({ pid: process.pid });
    await removeState(home);
  });

  it("describes a stack with its pid, ports, URLs and start time", () => {
    const text = describeState(
      state({
        apiUrl: "http://127.0.0.1:4700/restapis/x/local/_user_request_",
        webUrl: "http://127.0.0.1:5300",
      }),
    );
    expect(text).toContain(`pid ${process.pid}`);
    expect(text).toContain("port 4700");
    expect(text).toContain("web port: 5300");
    expect(text).toContain("API:      http://127.0.0.1:4700/restapis/x/local/_user_request_");
    expect(text).toContain("started:  2026-12-01T12:00:00.000Z");
  });
});
