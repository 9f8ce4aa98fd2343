/**
 * `start --detach`: the same `start` in a background process of its own (its own session, so the
 * terminal's Ctrl-C and hang-up never reach it), whose output goes to `<home>/stack.log`. This process
 * waits until the background one reports over IPC that the stack is ready, or that it failed, or exits,
 * then returns, as `localstack start -d` followed by `localstack wait` does.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import type { Outputs } from "./deploy.js";

/** Set in the background process's environment: report over IPC, record `detached` in stack.json. */
export const DETACHED_VARIABLE = "PICSTACK_DETACHED";

/** What the background process says once (see reportToParent). */
export type DetachedMessage = { kind: "ready"; outputs: Outputs } | { kind: "failed"; message: string };

export const detachedLog = (home: string) => join(home, "stack.log");

export class DetachedStartError extends Error {
  constructor(
    message: string,
    readonly logFile: string,
  ) {
    super(`${message.replace(/\.$/, "")}; see ${logFile}`);
    this.name = "DetachedStartError";
  }
}

export interface DetachOptions {
  home: string;
  /** The CLI's arguments for the background `start` (without --detach). */
  args: string[];
  /** Give up (and end the background process) after this long; default 15 minutes. */
  timeoutMs?: number;
}

/** Starts the background process and resolves with the stack's outputs once it is ready. */
export function startDetached(
  options: DetachOptions,
): Promise<{ outputs: Outputs; pid: number; logFile: string }> {
  const logFile = detachedLog(options.home);
  mkdirSync(options.home, { recursive: true });
  const out = openSync(logFile, "w");
  // The same Node and loader flags (tsx's) as this process, on the same entry point.
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, ...options.args], {
    detached: true,
    stdio: ["ignore", out, out, "ipc"],
    env: { ...process.env, [DETACHED_VARIABLE]: "1" },
  });
  closeSync(out);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, outputs?: Outputs) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
      if (error) reject(error);
      else resolve({ outputs: outputs as Outputs, pid: child.pid as number, logFile });
    };
    const timeoutMs = options.timeoutMs ?? 15 * 60_000;
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(child.pid, "SIGTERM");
      } catch {}
      settle(new DetachedStartError(`the stack was not ready after ${timeoutMs / 1000} s`, logFile));
    }, timeoutMs);
    child.on("message", (message: DetachedMessage) => {
      if (message.kind === "ready") settle(undefined, message.outputs);
      else settle(new DetachedStartError(message.message, logFile));
    });
    child.on("error", (error) => settle(new DetachedStartError(error.message, logFile)));
    child.on("exit", (code, signal) =>
      settle(
        new DetachedStartError(
          `the background process exited (${signal ?? `code ${code}`}) before the stack was ready`,
          logFile,
        ),
      ),
    );
  });
}

/** In the background process: tells the waiting `start --detach` how it went. */
export async function reportToParent(message: DetachedMessage): Promise<void> {
  if (!process.send || !process.connected) return;
  await new Promise<void>((resolve) => process.send?.(message, undefined, {}, () => resolve()));
}
