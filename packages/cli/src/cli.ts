/**
 * picstack: the Picstack API from a terminal or a CI suite. `main` reads the command line, runs the
 * command, and turns what it throws into one line on stderr and an exit code: 0 when everything
 * succeeded, 1 when anything failed, 2 for a usage error.
 */
import { PicstackError } from "@picstack/sdk";
import { type CommandLine, parseCommandLine } from "./command-line.js";
import { commands } from "./commands/index.js";
import { CliError, describeError, printJson } from "./output.js";

export const VERSION = "0.1.0";

export async function main(argv: string[]): Promise<number> {
  let line: CommandLine;
  try {
    line = parseCommandLine(argv, commands, VERSION);
  } catch (error) {
    process.stderr.write(`picstack: ${(error as Error).message}\n`);
    return 2;
  }
  if (line.kind === "version") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (line.kind === "help") {
    (line.exitCode === 0 ? process.stdout : process.stderr).write(line.text);
    return line.exitCode;
  }
  const { command, values, positionals } = line;
  try {
    return await command.run(values, positionals);
  } catch (error) {
    const exitCode = error instanceof CliError ? error.exitCode : 1;
    const described = describeError(error);
    if (values.json && exitCode !== 2) printJson({ error: described });
    process.stderr.write(
      `picstack: ${described.message}${error instanceof PicstackError ? ` (${described.code})` : ""}\n`,
    );
    return exitCode;
  }
}
