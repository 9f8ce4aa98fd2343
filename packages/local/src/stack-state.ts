/**
 * Who runs a local stack: `<home>/stack.json`, written when a stack starts and removed when it stops.
 * It records the process that runs the stack, its ports and its emulator's process, so that `stop` and
 * `status` find it from another process, and `start` and `deploy` can tell this checkout's emulator
 * from one another checkout started on the same port (see ports.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Target } from "./emulator.js";

export interface StackState {
  /** The process that runs the stack: `picstack-local start` or a test runner's (startStack). */
  pid: number;
  /** `foreground` and `detached`: the CLI's `start`; `api`: startStack in another program. */
  mode: "foreground" | "detached" | "api";
  status: "starting" | "ready";
  target: Target;
  home: string;
  /** The emulator's port (MiniStack) and where it answers. */
  port: number;
  endpoint: string;
  webPort: number;
  startedAt: string;
  /** MiniStack's process id, which is also its process group (its Lambda workers). */
  emulatorPid?: number;
  emulatorLog?: string;
  /** MiniStack's TMPDIR, removed on stop. */
  tmpDir?: string;
  /** The detached process's log. */
  logFile?: string;
  apiUrl?: string;
  webUrl?: string;
}

export const stateFile = (home: string) => join(home, "stack.json");
export const outputsPath = (home: string) => join(home, "outputs.json");

export async function readState(home: string): Promise<StackState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(home), "utf8")) as StackState;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all (a reader never sees half a file). */
export async function writeState(state: StackState): Promise<void> {
  await mkdir(state.home, { recursive: true });
  const file = stateFile(state.home);
  await writeFile(`${file}.${process.pid}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.${process.pid}.tmp`, file);
}

export async function removeState(home: string): Promise<void> {
  await rm(stateFile(home), { force: true });
}

/** Whether a process with that id exists (EPERM: it does, and belongs to someone else). */
export function isAlive(pid: number | undefined): pid is number {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether `pid` is alive and, where /proc tells (Linux), its command line contains `needle`: a process
 * id recorded by a stack that died may since belong to an unrelated program, which must not be signalled.
 */
export function isProcess(pid: number | undefined, needle: string): pid is number {
  if (!isAlive(pid)) return false;
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync("/proc/self/cmdline")) return true;
  try {
    return readFileSync(cmdline, "utf8").includes(needle);
  } catch {
    return false;
  }
}

/** What a state file says runs now: the runner, its emulator, both or neither (a stale file). */
export function liveness(state: StackState): { runner: boolean; emulator: boolean } {
  return {
    runner: state.pid === process.pid || isProcess(state.pid, "node"),
    emulator: isProcess(state.emulatorPid, "ministack"),
  };
}

/** The home's stack when any part of it still runs; undefined when there is none or it is stale. */
export async function runningState(home: string): Promise<StackState | undefined> {
  const state = await readState(home);
  if (!state) return undefined;
  const live = liveness(state);
  return live.runner || live.emulator ? state : undefined;
}

/** Whether this home's running stack is the one serving `port` (its emulator's or its web server's). */
export function ownsPort(state: StackState | undefined, port: number): boolean {
  if (!state) return false;
  const live = liveness(state);
  if (state.target === "ministack" && state.port === port && (live.emulator || live.runner)) return true;
  return state.webPort === port && live.runner;
}

/** A few lines for `status` and for the refusals that name a running stack. */
export function describeState(state: StackState): string {
  const live = liveness(state);
  const lines = [
    `Picstack (${state.status === "ready" ? "ready" : "starting"}), ${state.mode === "api" ? "started by a program" : state.mode}, pid ${state.pid}${live.runner ? "" : " (gone)"}`,
    `  home:     ${state.home}`,
    `  target:   ${state.target}, port ${state.port}${state.emulatorPid ? ` (emulator pid ${state.emulatorPid}${live.emulator ? "" : ", gone"})` : ""}`,
    `  web port: ${state.webPort}`,
    ...(state.apiUrl ? [`  API:      ${state.apiUrl}`] : []),
    ...(state.webUrl ? [`  Web:      ${state.webUrl}`] : []),
    `  started:  ${state.startedAt}`,
    ...(state.logFile ? [`  log:      ${state.logFile}`] : []),
  ];
  return lines.join("\n");
}
