/**
 * The local AWS emulator. MiniStack (the default) is installed into a project-local Python virtual
 * environment on first use and started as a child process; LocalStack is expected to be running
 * already (docker compose) and is only health-checked. Everything after that is the same code.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { packagedAwsSdk, packagedDir, packagedLayout } from "./packaged.js";
import { picstackHome, repoRoot } from "./paths.js";
import { run as runCommand } from "./run.js";

export type Target = "ministack" | "localstack";

export interface Emulator {
  target: Target;
  endpoint: string;
  /** Stops the emulator if this process started it; a no-op otherwise. */
  stop(): Promise<void>;
  /** Whether this process started it. */
  started: boolean;
  logFile?: string;
  /** The emulator's process id (and process group), when this process started it. */
  pid?: number;
  /** Its temporary directory (the functions' working folders), removed by `stop`. */
  tmpDir?: string;
}

/** The requirements files: the repository's, or the copies an installed runner ships (packaged.ts). */
const requirementsDir = packagedDir
  ? packagedLayout(packagedDir).requirements
  : join(repoRoot, "infrastructure/local");
const REQUIREMENTS = join(requirementsDir, "requirements.txt");
const TEST_REQUIREMENTS = join(requirementsDir, "requirements-test.txt");
const LAMBDA_PYTHON_REQUIREMENTS = join(requirementsDir, "requirements-lambda-python.txt");

function log(message: string): void {
  process.stderr.write(`[picstack] ${message}\n`);
}

export async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function waitFor(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the emulator exited with code ${child.exitCode}`);
    if (await healthy(url)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** Python for the venv: `PICSTACK_PYTHON`, else `python3`. Fails with directions when there is none. */
function findPython(): string {
  const python = process.env.PICSTACK_PYTHON ?? "python3";
  const probe = spawnSync(python, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `${python} was not found. MiniStack, the Docker-free emulator, needs Python 3.10 or newer ` +
        "(set PICSTACK_PYTHON to use another interpreter). With Docker, run LocalStack instead: " +
        "`docker compose -f docker-compose.localstack.yml up -d` then `npm start -- --target localstack` " +
        "(see docs/running.md).",
    );
  }
  return python;
}

/**
 * Installs a requirements file into `.picstack/venv` (created on first use), once per content of that
 * file: a stamp beside the venv remembers what was installed, so a second run costs a file read.
 */
async function ensureRequirements(
  home: string,
  file: string,
  stampName: string,
  what: string,
  target?: string,
): Promise<string> {
  const venv = join(home, "venv");
  const requirements = readFileSync(file);
  const stamp = join(target ?? venv, stampName);
  const digest = createHash("sha256").update(requirements).digest("hex");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return venv;

  const python = findPython();
  log(`installing ${what} into ${target ?? venv} (first run only)`);
  mkdirSync(home, { recursive: true });
  // Asynchronous, so the synth (a child process of its own) runs while pip installs.
  const run = (cmd: string, args: string[]) => runCommand(cmd, args, process.env);
  if (!existsSync(join(venv, "bin", "python"))) await run(python, ["-m", "venv", venv]);
  await run(join(venv, "bin", "python"), [
    "-m",
    "pip",
    "install",
    "--quiet",
    "--disable-pip-version-check",
    ...(target ? ["--target", target, "--upgrade"] : []),
    "-r",
    file,
  ]);
  writeFileSync(stamp, digest);
  return venv;
}

/** Creates `.picstack/venv` with the pinned MiniStack, once per requirements file content. */
export async function ensureMinistackInstalled(home = picstackHome()): Promise<string> {
  const bin = join(home, "venv", "bin", "ministack");
  if (!existsSync(bin)) rmSync(join(home, "venv", ".picstack-requirements"), { force: true });
  await ensureRequirements(home, REQUIREMENTS, ".picstack-requirements", "MiniStack");
  return bin;
}

/**
 * What MiniStack's Lambda runtime lacks next to AWS's, made from the project's own files, as the
 * directories to put on its NODE_PATH and PYTHONPATH (AWS's runtimes ship both; CDK's and SST's custom
 * resources rely on that):
 * - Node: the AWS SDK v3 (`@aws-sdk/*`), e.g. for CDK's auto-delete-objects handler. The packages the
 *   project installed from package-lock.json, linked into a directory of their own so that functions
 *   find `@aws-sdk/*` there and nothing else of the project's.
 * - Python: boto3, for CDK's bucket-notifications handler (requirements-lambda-python.txt).
 */
export async function ensureLambdaRuntime(
  home = picstackHome(),
): Promise<{ nodePath: string; pythonPath: string }> {
  const root = join(home, "lambda-runtime");
  const nodePath = join(root, "node");
  const pythonPath = join(root, "python");
  mkdirSync(nodePath, { recursive: true });
  const sdk = join(nodePath, "@aws-sdk");
  if (!existsSync(sdk))
    symlinkSync(packagedDir ? packagedAwsSdk() : join(repoRoot, "node_modules/@aws-sdk"), sdk, "dir");
  ensureMinistackInstalled(home);
  mkdirSync(pythonPath, { recursive: true });
  ensureRequirements(
    home,
    LAMBDA_PYTHON_REQUIREMENTS,
    ".picstack-requirements",
    "boto3 for Lambda",
    pythonPath,
  );
  return { nodePath, pythonPath };
}

/** Adds the pinned test tools (schemathesis, which fuzzes the API from its OpenAPI document). */
export async function ensureTestToolsInstalled(
  home = picstackHome(),
): Promise<{ ministack: string; schemathesis: string }> {
  const ministack = await ensureMinistackInstalled(home);
  const bin = join(home, "venv", "bin", "schemathesis");
  if (!existsSync(bin)) rmSync(join(home, "venv", ".picstack-test-requirements"), { force: true });
  await ensureRequirements(home, TEST_REQUIREMENTS, ".picstack-test-requirements", "the API test tools");
  return { ministack, schemathesis: bin };
}

export interface MinistackOptions {
  port: number;
  home?: string;
  /** Keep S3 objects and service state across restarts (default true). */
  persist?: boolean;
}

export async function startMinistack(options: MinistackOptions): Promise<Emulator> {
  const home = options.home ?? picstackHome();
  const endpoint = `http://127.0.0.1:${options.port}`;
  const health = `${endpoint}/_ministack/health`;
  if (await healthy(health)) {
    log(`MiniStack is already running on ${endpoint}; deploying to it (it will be left running)`);
    return { target: "ministack", endpoint, started: false, stop: async () => {} };
  }
  // One virtual environment per checkout, whatever state directory this emulator uses.
  const bin = await ensureMinistackInstalled();
  const runtime = await ensureLambdaRuntime();
  const dataDir = join(home, `ministack-${options.port}`);
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dataDir, "ministack.log");
  const tmpDir = prepareTmpDir(dataDir);
  const out = openSync(logFile, "a");
  const persist = options.persist ?? true;
  const child = spawn(bin, [], {
    cwd: dataDir,
    // Own process group, so stopping it also stops the Lambda worker processes it spawned.
    detached: true,
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      // Lambdas run on the first `node` on PATH: the project's Node 22, like the nodejs22.x runtime.
      // An installed runner has no such Node: its functions run on the one running it.
      PATH: `${packagedDir ? dirname(process.execPath) : join(repoRoot, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
      // See ensureLambdaRuntime. MiniStack passes its environment on to the functions it runs.
      NODE_PATH: runtime.nodePath,
      PYTHONPATH: runtime.pythonPath,
      GATEWAY_PORT: String(options.port),
      BIND_HOST: "127.0.0.1",
      MINISTACK_HOST: "127.0.0.1",
      MINISTACK_REGION: "us-east-1",
      // MiniStack unpacks every function worker (~30 MB each) into a folder of TMPDIR: this stack's own,
      // removed when it stops (see prepareTmpDir).
      TMPDIR: tmpDir,
      PERSIST_STATE: persist ? "1" : "0",
      STATE_DIR: join(dataDir, "state"),
      S3_PERSIST: persist ? "1" : "0",
      S3_DATA_DIR: join(dataDir, "s3"),
      LOG_LEVEL: process.env.MINISTACK_LOG_LEVEL ?? "INFO",
    },
  });
  closeSync(out);
  const removeTmpDir = () => rmSync(tmpDir, { recursive: true, force: true });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      removeTmpDir();
      return;
    }
    const exited = new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      removeTmpDir();
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, 5000);
    await exited;
    clearTimeout(timer);
    removeTmpDir();
  };
  try {
    await waitFor(health, 60_000, child);
  } catch (error) {
    await stop();
    throw new Error(`MiniStack did not start (${(error as Error).message}); see ${logFile}`);
  }
  log(`MiniStack is up on ${endpoint} (log: ${logFile})`);
  return { target: "ministack", endpoint, started: true, stop, logFile, pid: child.pid, tmpDir };
}

/**
 * `<dataDir>/tmp`, emptied, for the emulator's TMPDIR: MiniStack unpacks each function worker into a
 * `ministack-lambda-<function>-*` folder there (and keeps its pid file and caches there), so stopping the
 * stack can remove them all. The folder is inside the repository when the home is, where Node would
 * read the root package.json ("type": "module") and load MiniStack's CommonJS worker as ESM: a
 * package.json of its own keeps the workers CommonJS, as they are on AWS, where none is found.
 */
export function prepareTmpDir(dataDir: string): string {
  const tmpDir = join(dataDir, "tmp");
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  writeFileSync(join(tmpDir, "package.json"), '{ "type": "commonjs" }\n');
  return tmpDir;
}

/** LocalStack runs in Docker and is started by the user; this only checks it is there. */
export async function connectLocalstack(endpoint: string): Promise<Emulator> {
  const health = `${endpoint}/_localstack/health`;
  try {
    await waitFor(health, 10_000);
  } catch {
    throw new Error(
      `LocalStack does not answer on ${endpoint}. Start it with ` +
        "`docker compose -f docker-compose.localstack.yml up -d` (it needs Docker and LOCALSTACK_AUTH_TOKEN).",
    );
  }
  return { target: "localstack", endpoint, started: false, stop: async () => {} };
}
