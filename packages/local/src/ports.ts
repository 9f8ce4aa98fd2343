/**
 * The ports a local run needs, checked before anything is synthesized or deployed: each must be free,
 * or the run refuses with a short message that names the port and what to do. An emulator answering on
 * the emulator's port that this home did not start (another checkout's, another test suite's) is never
 * deployed into without `force`.
 */
import { createServer } from "node:net";
import type { Target } from "./emulator.js";
import { healthy } from "./emulator.js";
import { describeState, ownsPort, runningState } from "./stack-state.js";

/** Why a run cannot start or deploy: printed as it is, with no stack trace. */
export class PortInUseError extends Error {
  constructor(
    message: string,
    readonly port: number,
  ) {
    super(message);
    this.name = "PortInUseError";
  }
}

/** A stack of this home runs already: `npm run stop` first. */
export class AlreadyRunningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AlreadyRunningError";
  }
}

/** Whether nothing listens on `port` at `host`: tried by listening there for a moment. */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") resolve(false);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface PortCheckOptions {
  home: string;
  target: Target;
  /** MiniStack's port (ignored for LocalStack, which the user runs). */
  port: number;
  webPort: number;
  /** Deploy into an emulator that answers on `port` though this home did not start it. */
  force?: boolean;
}

/** How to stop this home's stack, for the messages. */
const STOP_HINT = "stop it with `npm run stop` (or `stopStack()`)";

/**
 * Checks every port the run needs. Resolves with whether an emulator (a MiniStack this home did not start,
 * allowed by `force`) already answers on `port`; rejects with AlreadyRunningError when this home runs a
 * stack, PortInUseError when a port is taken.
 */
export async function checkPorts(options: PortCheckOptions): Promise<{ emulatorRunning: boolean }> {
  const own = await runningState(options.home);
  if (own) {
    throw new AlreadyRunningError(
      `a local stack of this checkout is already running; ${STOP_HINT}.\n${describeState(own)}`,
    );
  }
  let emulatorRunning = false;
  if (options.target === "ministack" && !(await isPortFree(options.port))) {
    const isMinistack = await healthy(`http://127.0.0.1:${options.port}/_ministack/health`);
    if (!isMinistack) {
      throw new PortInUseError(
        `port ${options.port} (emulator) is in use by another program; choose another with --port`,
        options.port,
      );
    }
    if (!options.force) {
      throw new PortInUseError(
        `port ${options.port}: a MiniStack that this checkout did not start answers there (this checkout's home: ${options.home}). ` +
          "Stop it where it was started (`npm run stop` in that checkout), choose another port with --port, " +
          "or deploy into it anyway with --force.",
        options.port,
      );
    }
    emulatorRunning = true;
  }
  if (options.webPort === options.port && options.target === "ministack") {
    throw new PortInUseError(
      `--web-port and --port are both ${options.port}; choose two ports`,
      options.port,
    );
  }
  if (!(await isPortFree(options.webPort))) {
    throw new PortInUseError(
      `port ${options.webPort} (web gallery) is in use; choose another with --web-port, or stop what listens there`,
      options.webPort,
    );
  }
  return { emulatorRunning };
}

/**
 * Before `deploy` into a running MiniStack: it must be this home's (started by `start`), unless `force`.
 */
export async function checkDeployTarget(options: {
  home: string;
  port: number;
  force?: boolean;
}): Promise<void> {
  const own = await runningState(options.home);
  if (ownsPort(own, options.port) || options.force) return;
  const answers = await healthy(`http://127.0.0.1:${options.port}/_ministack/health`);
  if (!answers) {
    throw new PortInUseError(
      `no MiniStack answers on port ${options.port}; start the stack with \`npm start\``,
      options.port,
    );
  }
  throw new PortInUseError(
    `port ${options.port}: this checkout did not start the MiniStack that answers there (its home: ${options.home})` +
      (own ? ` (its stack runs on port ${own.port})` : "") +
      "; deploy into it anyway with --force, or choose this checkout's port with --port.",
    options.port,
  );
}
