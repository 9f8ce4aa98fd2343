/** Brings the whole stack up locally: emulator, resources, functions, API, web page, outputs file. */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { deploy, type LocalSetting, type Outputs } from "./deploy.js";
import { connectLocalstack, type Emulator, startMinistack, type Target } from "./emulator.js";
import { picstackHome } from "./paths.js";
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
  const endpoint =
    options.target === "localstack" ? options.localstackEndpoint : `http://127.0.0.1:${options.port}`;
  // The emulator installs and starts while the templates are synthesized (deploy waits for both).
  const starting: Promise<Emulator> =
    options.target === "localstack"
      ? connectLocalstack(options.localstackEndpoint)
      : startMinistack({ port: options.port, home: options.home, persist: options.persist });
  starting.catch(() => {}); // awaited below; a failure surfaces there
  let web: WebServer | undefined;
  try {
    const webUrl = `http://127.0.0.1:${options.webPort}`;
    const deployed = await deploy({
      target: options.target,
      endpoint,
      emulator: starting,
      webOrigin: webUrl,
      home: options.home,
      settings: options.settings,
      testHooks: options.testHooks,
      passThroughAnalysisSettings: options.passThroughAnalysisSettings,
      log,
    });
    const emulator = await starting;
    web = await serveWeb({ port: options.webPort, apiUrl: deployed.apiUrl, home: options.home });
    const outputs: Outputs = { ...deployed, webUrl: web.url };
    await writeOutputs(outputs, options.home);
    return {
      outputs,
      emulator,
      stop: async () => {
        await web?.close();
        await emulator.stop();
      },
    };
  } catch (error) {
    await web?.close();
    await starting.then(
      (emulator) => emulator.stop(),
      () => {},
    );
    throw error;
  }
}
