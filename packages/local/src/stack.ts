/**
 * The local stack for test runners and scripts: start one in this process (`startStack`), or reach one
 * that `npm start -- --detach` runs in the background (`readOutputs`, `stopStack`, `stackStatus`).
 *
 * @example
 * const stack = await startStack({ port: 4700, webPort: 5300, home: ".picstack/ci" });
 * const token = await stack.token("alice");
 * await fetch(`${stack.outputs.apiUrl}/images`, { headers: { Authorization: `Bearer ${token}` } });
 * await stack.stop();
 */
import { readFile, rm } from "node:fs/promises";
import { resolve } from "node:path";
import type { LocalSetting, Outputs } from "./deploy.js";
import { signDevToken } from "./dev-issuer.js";
import type { Target } from "./emulator.js";
import { startLocalStack } from "./local-stack.js";
import { picstackHome } from "./paths.js";
import { isProcess, liveness, outputsPath, readState, removeState, type StackState } from "./stack-state.js";

export interface StartStackOptions {
  /** MiniStack's port. */
  port: number;
  /** The web gallery's port. */
  webPort: number;
  /** The stack's folder (state, outputs.json, dev issuer key); default `PICSTACK_HOME` or `.picstack`. */
  home?: string;
  /** Function settings, e.g. `{ PICSTACK_ANALYSIS_PROVIDER: "basic" }`. */
  settings?: Partial<Record<LocalSetting, string>>;
  /** Keep the emulator's data across starts (default false: every start is a clean stack). */
  persist?: boolean;
  /** Deploy into a MiniStack already answering on `port` that this home did not start. */
  force?: boolean;
  /** Progress lines (default: none). */
  log?: (message: string) => void;
}

export interface Stack {
  /** What `outputs.json` holds: API URL, web URL, emulator endpoint, resource names. */
  outputs: Outputs;
  home: string;
  /** A bearer token this stack accepts for `userId` (default lifetime 12 hours). */
  token(userId: string, options?: { expiresIn?: number }): Promise<string>;
  /** Stops the web server and the emulator, removes outputs.json and the emulator's temporary files. */
  stop(): Promise<void>;
}

const homeOf = (home?: string) => (home ? resolve(home) : picstackHome());

/** Starts the stack on MiniStack in this process; resolves once it is deployed and serving. */
export async function startStack(options: StartStackOptions): Promise<Stack> {
  const home = homeOf(options.home);
  const running = await startLocalStack({
    target: "ministack",
    port: options.port,
    webPort: options.webPort,
    localstackEndpoint: "http://localhost:4566",
    home,
    persist: options.persist ?? false,
    settings: options.settings,
    force: options.force,
    mode: "api",
    log: options.log ?? (() => {}),
  });
  return {
    outputs: running.outputs,
    home,
    token: (userId, tokenOptions = {}) => signDevToken(userId, { ...tokenOptions, home }),
    stop: () => running.stop(),
  };
}

/** No stack's outputs.json in that home. */
export class NoStackError extends Error {
  constructor(readonly home: string) {
    super(`no local stack is running (${outputsPath(home)} is missing): start one with \`npm start\``);
    this.name = "NoStackError";
  }
}

/** The outputs of the stack running from `home` (written once it is ready, removed when it stops). */
export async function readOutputs(home?: string): Promise<Outputs> {
  const dir = homeOf(home);
  try {
    return JSON.parse(await readFile(outputsPath(dir), "utf8")) as Outputs;
  } catch {
    throw new NoStackError(dir);
  }
}

export interface StackStatus {
  /** Whether the stack's process runs and, on MiniStack, its emulator answers. */
  running: boolean;
  ready: boolean;
  state?: StackState;
  /** The emulator answers its health check. */
  healthy: boolean;
}

/** What runs from `home`: its recorded state, checked against the live processes and the emulator. */
export async function stackStatus(home?: string): Promise<StackStatus> {
  const state = await readState(homeOf(home));
  if (!state) return { running: false, ready: false, healthy: false };
  const live = liveness(state);
  const health = state.target === "localstack" ? "_localstack/health" : "_ministack/health";
  const healthy = await fetch(`${state.endpoint}/${health}`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false,
  );
  const running = live.runner && (state.target === "localstack" || live.emulator);
  return { running, ready: running && healthy && state.status === "ready", state, healthy };
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcess(pid, "")) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isProcess(pid, "");
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {}
}

export interface StopResult {
  /** Whether a stack (or what was left of one) was running. */
  stopped: boolean;
  state?: StackState;
}

/**
 * Stops the stack that runs from `home` (started by `npm start`, `--detach` or another program's
 * startStack): asks its process to stop (SIGTERM, which stops the web server and the emulator), ends the
 * emulator's process group if it is still there, then removes outputs.json, the state file and the
 * emulator's temporary files. A stack started by startStack in another program (a test runner) is not
 * signalled: only its emulator is ended.
 */
export async function stopStack(home?: string): Promise<StopResult> {
  const dir = homeOf(home);
  const state = await readState(dir);
  if (!state) {
    await rm(outputsPath(dir), { force: true });
    return { stopped: false };
  }
  const live = liveness(state);
  if (live.runner && state.mode !== "api" && state.pid !== process.pid) {
    signal(state.pid, "SIGTERM");
    if (!(await waitForExit(state.pid, 30_000))) signal(state.pid, "SIGKILL");
    await waitForExit(state.pid, 5_000);
  }
  if (isProcess(state.emulatorPid, "ministack")) {
    signal(-state.emulatorPid, "SIGTERM");
    if (!(await waitForExit(state.emulatorPid, 5_000))) signal(-state.emulatorPid, "SIGKILL");
    await waitForExit(state.emulatorPid, 5_000);
  }
  await rm(outputsPath(dir), { force: true });
  if (state.tmpDir) await rm(state.tmpDir, { recursive: true, force: true });
  await removeState(dir);
  return { stopped: live.runner || live.emulator, state };
}

export type { Target };
