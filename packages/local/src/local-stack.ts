/**
 * Brings the whole stack up locally: emulator, resources, functions, API, web page, outputs file. The
 * ports are checked first (ports.ts) and the run is recorded in `<home>/stack.json` (stack-state.ts) until
 * it stops; stopping, or failing to start, removes outputs.json, so nothing reads a stale one.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { deploy, type LocalSetting, type Outputs } from "./deploy.js";
import { connectLocalstack, type Emulator, startMinistack, type Target } from "./emulator.js";
import { picstackHome } from "./paths.js";
import { checkPorts } from "./ports.js";
import { stopCommands } from "./run.js";
import { outputsPath, removeState, type StackState, writeState } from "./stack-state.js";
import { serveWeb, type WebServer } from "./web.js";

export interface LocalStackOptions {
  target: Target;
  /** MiniStack's port (default 4566). */
  port: number;
  /** LocalStack's endpoint (default http://localhost:4566). */
  localstackEndpoint: string;
  webPort: number;
  home?: string;
  /** Keep emulator state across restarts (MiniStack). */
  persist?: boolean;
  /** Function settings (see DeployOptions.settings). */
  settings?: Partial<Record<LocalSetting, string>>;
  /** See DeployOptions.testHooks. */
  testHooks?: string;
  /** See DeployOptions.passThroughAnalysisSettings. */
  passThroughAnalysisSettings?: boolean;
  log?: (message: string) => void;
  /** Deploy into a MiniStack already answering on `port` that this home did not start (left running). */
  force?: boolean;
  /** Who runs the stack, for `<home>/stack.json` (default `api`). */
  mode?: StackState["mode"];
  /** The detached process's log, for `<home>/stack.json`. */
  logFile?: string;
}

export interface RunningStack {
  outputs: Outputs;
  emulator: Emulator;
  stop(): Promise<void>;
}

export async function writeOutputs(outputs: Outputs, home = picstackHome()): Promise<string> {
  const file = join(home, "outputs.json");
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(outputs, null, 2)}\n`);
  return file;
}

export async function startLocalStack(options: LocalStackOptions): Promise<RunningStack> {
  const log = options.log ?? ((m: string) => process.stderr.write(`[picstack] ${m}\n`));
  const home = options.home ?? picstackHome();
  const endpoint =
    options.target === "localstack" ? options.localstackEndpoint : `http://127.0.0.1:${options.port}`;
  await checkPorts({
    home,
    target: options.target,
    port: options.port,
    webPort: options.webPort,
    force: options.force,
  });
  // From here on this home runs a stack: a second start refuses, `stop` finds this process.
  const state: StackState = {
    pid: process.pid,
    mode: options.mode ?? "api",
    status: "starting",
    target: options.target,
    home,
    port: options.port,
    endpoint,
    webPort: options.webPort,
    startedAt: new Date().toISOString(),
    ...(options.logFile ? { logFile: options.logFile } : {}),
  };
  await writeState(state);
  await rm(outputsPath(home), { force: true });
  // The emulator installs and starts while the templates are synthesized (deploy waits for both).
  const starting: Promise<Emulator> =
    options.target === "localstack"
      ? connectLocalstack(options.localstackEndpoint)
      : startMinistack({ port: options.port, home, persist: options.persist });
  starting.catch(() => {}); // awaited below; a failure surfaces there
  // The emulator's process, recorded as soon as it runs: `stop` ends it even if this process dies.
  const recorded = starting.then(
    (emulator) =>
      emulator.pid === undefined
        ? undefined
        : writeState({
            ...state,
            emulatorPid: emulator.pid,
            ...(emulator.logFile ? { emulatorLog: emulator.logFile } : {}),
            ...(emulator.tmpDir ? { tmpDir: emulator.tmpDir } : {}),
          }),
    () => {},
  );
  const cleanUp = async () => {
    await recorded.catch(() => {});
    await rm(outputsPath(home), { force: true });
    await removeState(home);
  };
  let web: WebServer | undefined;
  try {
    const webUrl = `http://127.0.0.1:${options.webPort}`;
    const deployed = await deploy({
      target: options.target,
      endpoint,
      emulator: starting,
      webOrigin: webUrl,
      home,
      settings: options.settings,
      testHooks: options.testHooks,
      passThroughAnalysisSettings: options.passThroughAnalysisSettings,
      log,
    });
    const emulator = await starting;
    web = await serveWeb({ port: options.webPort, apiUrl: deployed.apiUrl, home });
    const outputs: Outputs = { ...deployed, webUrl: web.url };
    await writeOutputs(outputs, home);
    await recorded;
    await writeState({
      ...state,
      status: "ready",
      apiUrl: outputs.apiUrl,
      webUrl: outputs.webUrl,
      ...(emulator.pid ? { emulatorPid: emulator.pid } : {}),
      ...(emulator.logFile ? { emulatorLog: emulator.logFile } : {}),
      ...(emulator.tmpDir ? { tmpDir: emulator.tmpDir } : {}),
    });
    let stopped: Promise<void> | undefined;
    return {
      outputs,
      emulator,
      stop: () => {
        stopped ??= (async () => {
          await web?.close();
          await emulator.stop();
          await cleanUp();
        })();
        return stopped;
      },
    };
  } catch (error) {
    // The synth or the deploy may still run when the other one failed.
    stopCommands();
    await web?.close();
    await starting.then(
      (emulator) => emulator.stop(),
      () => {},
    );
    await cleanUp();
    throw error;
  }
}
