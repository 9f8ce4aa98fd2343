/**
 * picstack-local: the local run.
 *
 *   build                                                                      build the web gallery and the CLI
 *   start   [--target ministack|localstack] [--port 4566] [--web-port 5173]   bring the stack up, stay in the foreground
 *   deploy  [--target ...] [--port ...]                                       synthesize and redeploy to a running emulator
 *   token   <userId> [--expires-in seconds]                                  print a dev bearer token
 *   purge                                                                     run the scheduled purge job once, now
 *   dlq     list|redrive                                                      show or redrive the analysis dead-letter queue
 *
 * purge, dlq and the gallery read the running stack's .picstack/outputs.json (the stacks' outputs).
 *   setup                                                                     install MiniStack and the API test tools, build the sharp layer ahead of time
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { USER_ID_PATTERN } from "@picstack/core";
import { buildSharpLayer } from "@picstack/infrastructure/layers/sharp";
import { buildClients } from "./build-clients.js";
import { deploy, type Outputs } from "./deploy.js";
import { signDevToken } from "./dev-issuer.js";
import { listDeadLetters, redriveDeadLetters } from "./dlq.js";
import { ensureLambdaRuntime, ensureTestToolsInstalled, type Target } from "./emulator.js";
import { runJob } from "./jobs.js";
import { startLocalStack, writeOutputs } from "./local-stack.js";
import { outputsFile } from "./paths.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    target: { type: "string", default: process.env.PICSTACK_TARGET ?? "ministack" },
    port: { type: "string", default: process.env.PICSTACK_PORT ?? "4566" },
    "web-port": { type: "string", default: process.env.PICSTACK_WEB_PORT ?? "5173" },
    "localstack-endpoint": {
      type: "string",
      default: process.env.LOCALSTACK_ENDPOINT ?? "http://localhost:4566",
    },
    "expires-in": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

function fail(message: string): never {
  process.stderr.write(`picstack: ${message}\n`);
  process.exit(1);
}

function target(): Target {
  const t = values.target;
  if (t !== "ministack" && t !== "localstack") fail(`--target must be ministack or localstack, not ${t}`);
  return t;
}

function port(name: "port" | "web-port"): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`--${name} must be a port number`);
  return n;
}

/** The running stack's outputs (written by `start` and `deploy`). */
async function runningOutputs(): Promise<Outputs> {
  try {
    return JSON.parse(await readFile(outputsFile(), "utf8")) as Outputs;
  } catch {
    return fail(`no local stack is running (${outputsFile()} is missing): start one with \`npm start\``);
  }
}

/** Where an already running emulator answers. */
function emulatorEndpoint(t: Target): string {
  return t === "localstack" ? values["localstack-endpoint"] : `http://127.0.0.1:${port("port")}`;
}

async function main(): Promise<void> {
  const [command = "start", ...args] = positionals;
  if (values.help) {
    process.stdout.write(
      "usage: picstack-local start|deploy|build|purge|dlq list|redrive|setup|token <userId>  (see README)\n",
    );
    return;
  }
  switch (command) {
    case "token": {
      const userId = args[0];
      if (!userId) fail("usage: npm run --silent token -- <userId>");
      if (!USER_ID_PATTERN.test(userId)) fail("a user id is 1–128 letters, digits or . _ @ : -");
      const expiresIn = values["expires-in"] ? Number(values["expires-in"]) : undefined;
      process.stdout.write(`${await signDevToken(userId, { expiresIn })}\n`);
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
      await buildClients((m) => process.stderr.write(`[picstack] ${m}\n`));
      return;
    }
    case "dlq": {
      const outputs = await runningOutputs();
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
        fail("usage: npm run dlq -- list|redrive");
      }
      return;
    }
    case "purge": {
      const result = await runJob(await runningOutputs(), "purgeDeleted");
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    case "deploy": {
      const t = target();
      const endpoint = emulatorEndpoint(t);
      const webUrl = `http://127.0.0.1:${port("web-port")}`;
      const outputs = await deploy({
        target: t,
        endpoint,
        webOrigin: webUrl,
        passThroughAnalysisSettings: true,
        log: (m) => process.stderr.write(`[picstack] ${m}\n`),
      });
      await writeOutputs({ ...outputs, webUrl });
      process.stdout.write(`Redeployed. API: ${outputs.apiUrl}\n`);
      return;
    }
    case "start": {
      // The gallery and the CLI build while the stack comes up.
      const [, stack] = await Promise.all([
        buildClients((m) => process.stderr.write(`[picstack] ${m}\n`)),
        startLocalStack({
          target: target(),
          port: port("port"),
          webPort: port("web-port"),
          localstackEndpoint: values["localstack-endpoint"],
          passThroughAnalysisSettings: true,
        }),
      ]);
      const { outputs } = stack;
      process.stdout.write(
        [
          "",
          "Picstack is up.",
          `  API:      ${outputs.apiUrl}`,
          `  Web:      ${outputs.webUrl}`,
          `  Outputs:  ${outputsFile()}`,
          "  Token:    npm run --silent token -- <userId>",
          "",
          "Press Ctrl-C to stop.",
          "",
        ].join("\n"),
      );
      let stopping = false;
      const shutdown = async () => {
        if (stopping) return;
        stopping = true;
        process.stderr.write("\n[picstack] stopping\n");
        await stack.stop();
        process.exit(0);
      };
      process.on("SIGINT", shutdown);
      process.on("SIGTERM", shutdown);
      return;
    }
    default:
      fail(`unknown command ${command}; use start, deploy or token`);
  }
}

main().catch((error: Error) => fail(error.message));
