/**
 * The CLI's flags: node:util's parseArgs, strict, with its errors turned into one short line that, for
 * a mistyped flag, names the closest valid one ("unknown option --prot; did you mean --port?").
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { closestName } from "@picstack/cli/suggest";

/** A command line the CLI cannot run: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The valid flag closest to `given` (with or without dashes, `=value` ignored), when it is close enough
 * to be a typo: the `picstack` CLI's rule (closestName), so both command lines suggest alike.
 */
export function suggestFlag(given: string, known: readonly string[]): string | undefined {
  const name = given.replace(/^-+/, "").split("=")[0] ?? "";
  return name ? closestName(name, known) : undefined;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with positionals allowed; a bad flag throws UsageError. */
export function parseFlags<const O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const given = /'([^']+)'/.exec(message)?.[1] ?? "";
      const suggestion = suggestFlag(given, Object.keys(options));
      throw new UsageError(`unknown option ${given}${suggestion ? `; did you mean --${suggestion}?` : ""}`);
    }
    if (code?.startsWith("ERR_PARSE_ARGS")) throw new UsageError(message.split(/\. /)[0] ?? message);
    throw error;
  }
}
