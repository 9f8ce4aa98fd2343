/**
 * picstack-local: the local run.
 *
 *   build                                                                      build the web gallery and the CLI
 *   start   [--target ministack|localstack] [--port 4566] [--web-port 5173]   bring the stack up, stay in the foreground
 *           [--detach] [--force]                                              --detach: return once it is up, leave it running
 *   stop                                                                      stop the stack this checkout started, remove outputs.json
 *   status  [--json]                                                          what runs where (exit 0 ready, 1 not ready, 3 not running)
 *   deploy  [--target ...] [--port ...] [--force]                             synthesize and redeploy to this checkout's running emulator
 *   token   <userId> [--expires-in seconds]                                  print a dev bearer token
 *   purge                                                                     run the scheduled purge job once, now
 *   dlq     list|redrive                                                      show or redrive the analysis dead-letter queue
 *   setup                                                                     install MiniStack and the API test tools, build the sharp layer ahead of time
 *
 * Every command takes --home <dir>, the stack's folder (default PICSTACK_HOME or .picstack). purge, dlq
 * and the gallery read the running stack's <home>/outputs.json (the stacks' outputs).
 */
import { resolve } from "node:path";
import { USER_ID_PATTERN } from "@picstack/core";
import { buildSharpLayer } from "@picstack/infrastructure/layers/sharp";
import { buildClients } from "./build-clients.js";
import { deploy } from "./deploy.js";
import { DETACHED_VARIABLE, reportToParent, startDetached } from "./detach.js";
import { signDevToken } from "./dev-issuer.js";
import { listDeadLetters, redriveDeadLetters } from "./dlq.js";
import { ensureLambdaRuntime, ensureTestToolsInstalled, type Target } from "./emulator.js";
import { parseFlags, UsageError } from "./flags.js";
import { runJob } from "./jobs.js";
import { type RunningStack, startLocalStack, writeOutputs } from "./local-stack.js";
import { packagedDir } from "./packaged.js";
import { picstackHome } from "./paths.js";
import { checkDeployTarget, checkPorts } from "./ports.js";
import { stopCommands } from "./run.js";
import { readOutputs, stackStatus, stopStack } from "./stack.js";
import { describeState, outputsPath } from "./stack-state.js";

/** How a user runs one of these commands: through npm in the repository, with npx where installed. */
function howToRun(name: string, args = ""): string {
  const rest = args ? ` ${args}` : "";
  if (packagedDir) return `npx picstack-local ${name}${rest}`;
  return name === "stop" || name === "status"
    ? `npm run ${name}${args ? ` --${rest}` : ""}`
    : `npm run --silent ${name} --${rest}`;
}

const argv = process.argv.slice(2);

function fail(message: string, code = 1): never {
  process.stderr.write(`picstack: ${message}\n`);
  process.exit(code);
}

function parse() {
  try {
    return parseFlags(argv, {
      target: { type: "string", default: process.env.PICSTACK_TARGET ?? "ministack" },
      port: { type: "string", default: process.env.PICSTACK_PORT ?? "4566" },
      "web-port": { type: "string", default: process.env.PICSTACK_WEB_PORT ?? "5173" },
      "localstack-endpoint": {
        type: "string",
        default: process.env.LOCALSTACK_ENDPOINT ?? "http://localhost:4566",
      },
      home: { type: "string" },
      detach: { type: "boolean", short: "d" },
      force: { type: "boolean" },
      json: { type: "boolean" },
      "expires-in": { type: "string" },
      help: { type: "boolean", short: "h" },
    });
  } catch (error) {
    if (error instanceof UsageError) fail(`${error.message} (see --help)`, 2);
    throw error;
  }
}

const { values, positionals } = parse();

function target(): Target {
  const t = values.target;
  if (t !== "ministack" && t !== "localstack") fail(`--target must be ministack or localstack, not ${t}`, 2);
  return t;
}

function port(name: "port" | "web-port"): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`--${name} must be a port number`, 2);
  return n;
}

/** The stack's folder: --home, else PICSTACK_HOME, else .picstack at the repository root. */
const home = values.home ? resolve(values.home) : picstackHome();

/** Where an already running emulator answers. */
function emulatorEndpoint(t: Target): string {
  return t === "localstack" ? values["localstack-endpoint"] : `http://127.0.0.1:${port("port")}`;
}

const log = (m: string) => process.stderr.write(`[picstack] ${m}\n`);

function upBanner(lines: string[]): void {
  process.stdout.write(["", ...lines, ""].join("\n"));
}

/** `start` in this process: foreground, or the background half of `start --detach`. */
async function startHere(): Promise<void> {
  const detached = process.env[DETACHED_VARIABLE] === "1";
  let stack: RunningStack | undefined;
  let stopping = false;
  // From the first moment: a stop (Ctrl-C, SIGTERM, `npm run stop`) while the stack is still coming up
  // ends the emulator and removes the files as well, so no later step ever reads a stale outputs.json.
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${signal})`);
    stopCommands();
    try {
      if (stack) await stack.stop();
      else await stopStack(home);
    } finally {
      process.exit(stack ? 0 : 130);
    }
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  process.on("SIGHUP", shutdown);
  try {
    // The gallery and the CLI build while the stack comes up.
    const [, started] = await Promise.all([
      buildClients(log),
      startLocalStack({
        target: target(),
        port: port("port"),
        webPort: port("web-port"),
        localstackEndpoint: values["localstack-endpoint"],
        home,
        passThroughAnalysisSettings: true,
        force: values.force,
        mode: detached ? "detached" : "foreground",
        ...(detached ? { logFile: resolve(home, "stack.log") } : {}),
        log,
      }),
    ]);
    stack = started;
  } catch (error) {
    if (stopping) return;
    const message = (error as Error).message;
    await reportToParent({ kind: "failed", message });
    fail(message);
  }
  if (stopping) return;
  const { outputs } = stack;
  if (detached) {
    log("ready");
    await reportToParent({ kind: "ready", outputs });
    return;
  }
  upBanner([
    "Picstack is up.",
    `  API:      ${outputs.apiUrl}`,
    `  Web:      ${outputs.webUrl}`,
    `  Outputs:  ${outputsPath(home)}`,
    `  Token:    ${howToRun("token", `<userId>${values.home ? ` --home ${values.home}` : ""}`)}`,
    "",
    "Press Ctrl-C to stop.",
  ]);
}

async function main(): Promise<void> {
  const [command = "start", ...args] = positionals;
  if (values.help) {
    process.stdout.write(
      "usage: picstack-local start [--detach] [--force]|stop|status|deploy|build|purge|dlq list|redrive|setup|token <userId>\n" +
        "  flags: --port <n> --web-port <n> --target ministack|localstack --home <dir> (see docs/running.md)\n",
    );
    return;
  }
  switch (command) {
    case "token": {
      const userId = args[0];
      if (!userId) fail(`usage: ${howToRun("token", "<userId>")}`, 2);
      if (!USER_ID_PATTERN.test(userId)) fail("a user id is 1–128 letters, digits or . _ @ : -", 2);
      const expiresIn = values["expires-in"] ? Number(values["expires-in"]) : undefined;
      process.stdout.write(`${await signDevToken(userId, { expiresIn, home })}\n`);
      return;
    }
    case "setup": {
      const bin = await ensureTestToolsInstalled();
      await ensureLambdaRuntime();
      const layer = await buildSharpLayer();
      await buildClients();
      process.stdout.write(
        `MiniStack: ${bin.ministack}\nschemathesis: ${bin.schemathesis}\nsharp layer: ${layer}\nweb gallery: .picstack/web\nCLI: packages/cli/dist/picstack.mjs\n`,
      );
      return;
    }
    case "build": {
      await buildClients(log);
      return;
    }
    case "dlq": {
      const outputs = await readOutputs(home);
      const action = args[0] ?? "list";
      if (action === "list") {
        const letters = await listDeadLetters(outputs);
        for (const letter of letters) process.stdout.write(`${JSON.stringify(letter)}\n`);
        process.stderr.write(`${letters.length} message(s) in the dead-letter queue\n`);
      } else if (action === "redrive") {
        process.stdout.write(
          `Moved ${await redriveDeadLetters(outputs)} message(s) back to the analysis queue\n`,
        );
      } else {
        fail("usage: npm run dlq -- list|redrive", 2);
      }
      return;
    }
    case "purge": {
      const result = await runJob(await readOutputs(home), "purgeDeleted");
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    case "deploy": {
      const t = target();
      if (t === "ministack") await checkDeployTarget({ home, port: port("port"), force: values.force });
      const endpoint = emulatorEndpoint(t);
      const webUrl = `http://127.0.0.1:${port("web-port")}`;
      const outputs = await deploy({
        target: t,
        endpoint,
        webOrigin: webUrl,
        home,
        passThroughAnalysisSettings: true,
        log,
      });
      await writeOutputs({ ...outputs, webUrl }, home);
      process.stdout.write(`Redeployed. API: ${outputs.apiUrl}\n`);
      return;
    }
    case "start": {
      if (!values.detach) return startHere();
      // Refuse at once, before a background process and its log exist, when a port is taken.
      await checkPorts({
        home,
        target: target(),
        port: port("port"),
        webPort: port("web-port"),
        force: values.force,
      });
      const started = Date.now();
      const { outputs, pid, logFile } = await startDetached({
        home,
        args: argv.filter((a) => a !== "--detach" && a !== "-d"),
      });
      const homeFlag = values.home ? `--home ${values.home}` : "";
      upBanner([
        `Picstack is up in ${((Date.now() - started) / 1000).toFixed(1)} s (background process ${pid}).`,
        `  API:      ${outputs.apiUrl}`,
        `  Web:      ${outputs.webUrl}`,
        `  Emulator: ${outputs.endpoint}`,
        `  Outputs:  ${outputsPath(home)}`,
        `  Log:      ${logFile}`,
        `  Token:    ${howToRun("token", `<userId>${homeFlag ? ` ${homeFlag}` : ""}`)}`,
        `  Stop:     ${howToRun("stop", homeFlag)}`,
      ]);
      // The background process is unreferenced: nothing keeps this one alive.
      return process.exit(0);
    }
    case "stop": {
      const result = await stopStack(home);
      if (!result.stopped || !result.state) {
        process.stdout.write(`Picstack is not running (${home}); nothing to stop.\n`);
        return;
      }
      const { state } = result;
      process.stdout.write(
        `Stopped Picstack (pid ${state.pid}, ports ${state.port} and ${state.webPort}); removed ${outputsPath(home)}.\n`,
      );
      return;
    }
    case "status": {
      const status = await stackStatus(home);
      const code = status.ready ? 0 : status.running ? 1 : 3;
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ ...status, home }, null, 2)}\n`);
      } else if (!status.state) {
        process.stdout.write(`Picstack is not running (no stack in ${home}).\n`);
      } else if (!status.running) {
        process.stdout.write(
          `Picstack is not running: ${home} holds the state of a stack that is gone (\`${howToRun("stop")}\` clears it).\n${describeState(status.state)}\n`,
        );
      } else {
        process.stdout.write(
          `${describeState(status.state)}\n  emulator: ${status.healthy ? "answering" : "not answering"}\n`,
        );
      }
      process.exitCode = code;
      return;
    }
    default:
      fail(
        `unknown command ${command}; use start, stop, status, deploy, token, build, purge, dlq or setup`,
        2,
      );
  }
}

main().catch((error: Error) => {
  // Refusals (a taken port, a stack already running) and failures alike: one line, no stack trace.
  fail(error.message, error instanceof UsageError ? 2 : 1);
});
