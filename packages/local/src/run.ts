/** Child processes of the local run. */
import { type ChildProcess, spawn } from "node:child_process";
import { relative } from "node:path";
import { repoRoot } from "./paths.js";

/** The commands under way, so a start that fails or is stopped leaves no synth or deploy running. */
const running = new Set<ChildProcess>();

/** Ends every command under way (SIGTERM); their promises reject. */
export function stopCommands(): void {
  for (const child of running) child.kill("SIGTERM");
}

/** Runs a command in the repository root; its output is shown only when it fails. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    child.once("close", () => running.delete(child));
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else
        reject(
          new Error(
            `${command.startsWith(repoRoot) ? relative(repoRoot, command) : command} ${args[0] ?? ""} failed (exit ${code}):\n${output.slice(-4000)}`,
          ),
        );
    });
  });
}
