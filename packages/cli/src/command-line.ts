/**
 * The command line: `picstack <command> [arguments] [options]`. Each command declares its own options
 * (commands/*.ts), and an option it does not declare is refused with the command's name, so a flag
 * meant for another command is never ignored silently. The options every command takes, and those of
 * the commands that call the API, are declared once, here. Help is written from the declarations.
 */
import { parseArgs } from "node:util";
import { CliError } from "./output.js";
import { closestName } from "./suggest.js";

export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  /** Used when the option is absent; help shows it. */
  default?: string;
  /** The value's placeholder in help, as in `--limit <1-100>`. */
  value?: string;
  help: string;
}

export type Options = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean"
  ? boolean
  : S["multiple"] extends true
    ? string[]
    : string;

/** What parsing gives for a set of options: an option with a default is always there. */
export type Values<O extends Options> = {
  [K in keyof O]: O[K] extends { default: string } ? ValueOf<O[K]> : ValueOf<O[K]> | undefined;
};

export const commonOptions = {
  json: { type: "boolean", help: "machine-readable output on stdout" },
  help: { type: "boolean", short: "h", help: "this help" },
  version: { type: "boolean", short: "v", help: "the version" },
} as const satisfies Options;

/** Where the API is and who calls it (see connection.ts); only the commands that call the API take them. */
export const connectionOptions = {
  "api-url": {
    type: "string",
    value: "<url>",
    help: "the API (default: $PICSTACK_API_URL, else .picstack/outputs.json)",
  },
  token: { type: "string", value: "<jwt>", help: "bearer token (default: $PICSTACK_TOKEN)" },
  user: { type: "string", value: "<id>", help: "on the local stack: sign a dev token for this user" },
} as const satisfies Options;

export type CommonValues = Values<typeof commonOptions>;

export interface Command<O extends Options = Options> {
  name: string;
  /** What follows the name in the usage line, as in `<id...>`. */
  args?: string;
  summary: string;
  /** The command's own options; spread `connectionOptions` in when it calls the API. */
  options: O;
  run(values: Values<O> & CommonValues, positionals: string[]): Promise<number> | number;
}

/** Keeps the literal types of a command's options, so `run` sees exactly the values it declared. */
export function defineCommand<const O extends Options>(command: Command<O>): Command<O> {
  return command;
}

export type CommandLine =
  | { kind: "version" }
  /** Help on stdout when asked for (exit 0), on stderr when no command was given (exit 2). */
  | { kind: "help"; text: string; exitCode: 0 | 2 }
  | { kind: "run"; command: Command; values: Values<Options> & CommonValues; positionals: string[] };

/** Reads argv (without node and the script); a usage error is thrown as a `CliError` with exit code 2. */
export function parseCommandLine(argv: string[], commands: readonly Command[], version: string): CommandLine {
  const all = everyOption(commands);
  // A first pass with every option any command declares finds the command even when an option and its
  // value come before it; the command's own strict pass below is what judges the options.
  const scan = parseArgs({
    args: argv,
    options: forParseArgs(all),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (scan.values.version) return { kind: "version" };
  const positionals = scan.tokens.filter((t) => t.kind === "positional");
  // An option no command knows may be a typo: say so before anything else, since its value (if it
  // took one) was read as a positional and might be taken for the command.
  const unknown = scan.tokens.find((t) => t.kind === "option" && !Object.hasOwn(all, t.name));
  if (unknown?.kind === "option") {
    const meant = commands.find((c) => positionals.some((p) => p.value === c.name));
    throw unknownOption(unknown.rawName, meant ? { ...commonOptions, ...meant.options } : all, meant);
  }
  const named = positionals[0];
  const command = named && commands.find((c) => c.name === named.value);
  if (!named || !command) {
    if (scan.values.help || !named) {
      return { kind: "help", text: overallHelp(commands, version), exitCode: scan.values.help ? 0 : 2 };
    }
    const meant = closestName(
      named.value,
      commands.map((c) => c.name),
    );
    throw new CliError(
      `unknown command "${named.value}"; ${meant ? `did you mean ${meant}?` : "run picstack --help"}`,
      2,
    );
  }
  if (scan.values.help) return { kind: "help", text: commandHelp(command), exitCode: 0 };

  const options: Options = { ...commonOptions, ...command.options };
  for (const token of scan.tokens) {
    if (token.kind !== "option") continue;
    const spec = options[token.name];
    if (!spec) {
      throw new CliError(
        `${command.name} does not take ${token.rawName}; run picstack ${command.name} --help`,
        2,
      );
    }
    const problem = valueProblem(token.name, spec, token.value, token.inlineValue);
    if (problem) throw new CliError(`${command.name}: ${problem}`, 2);
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv.filter((_, i) => i !== named.index),
      options: forParseArgs(options),
      strict: true,
      allowPositionals: true,
    });
    // parseArgs cannot follow options known only at run time; their declaration is what types `values`.
    return { kind: "run", command, values: values as Values<Options> & CommonValues, positionals };
  } catch (error) {
    // The checks above catch what parseArgs refuses; this is the net under them, in one line.
    const [first] = (error as Error).message.split("\n");
    throw new CliError(`${command.name}: ${first}; run picstack ${command.name} --help`, 2);
  }
}

/** "unknown option --limt; did you mean --limit?", or the help to read when nothing is close. */
export function unknownOption(rawName: string, options: Options, command?: Command): CliError {
  const typed = rawName.replace(/^-+/, "");
  const long = rawName.startsWith("--");
  const meant = long ? closestName(typed, Object.keys(options)) : undefined;
  const help = command ? `picstack ${command.name} --help` : "picstack --help";
  return new CliError(`unknown option ${rawName}; ${meant ? `did you mean --${meant}?` : `run ${help}`}`, 2);
}

/** What is wrong with an option's value as given, in words, or undefined when nothing is. */
export function valueProblem(
  name: string,
  spec: OptionSpec,
  value: string | undefined,
  inline: boolean | undefined,
): string | undefined {
  if (spec.type === "boolean") return value === undefined ? undefined : `--${name} takes no value`;
  const usage = `--${name} ${spec.value ?? "<value>"}`;
  if (value === undefined) return `--${name} needs a value (${usage})`;
  if (!inline && value.startsWith("-")) {
    return `--${name} needs a value (${usage}), not the option ${value}; for a value that starts with a dash, write --${name}=${value}`;
  }
  return undefined;
}

function forParseArgs(options: Options) {
  return Object.fromEntries(
    Object.entries(options).map(([name, { type, multiple, short, default: fallback }]) => [
      name,
      {
        type,
        ...(multiple ? { multiple } : {}),
        ...(short ? { short } : {}),
        ...(fallback !== undefined ? { default: fallback } : {}),
      },
    ]),
  );
}

/** The union of all commands' options: a name means the same kind of option in every command. */
function everyOption(commands: readonly Command[]): Options {
  const all: Options = { ...commonOptions };
  for (const command of commands) {
    for (const [name, spec] of Object.entries(command.options)) {
      const seen = all[name];
      if (seen && (seen.type !== spec.type || seen.short !== spec.short)) {
        throw new Error(`--${name} is declared as two kinds of option (${command.name} differs)`);
      }
      all[name] = spec;
    }
  }
  return all;
}

const EXIT_STATUS = "Exit status: 0 when everything succeeded, 1 when anything failed, 2 for a usage error.";

function flag(name: string, spec: OptionSpec): string {
  return `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`;
}

function describe(spec: OptionSpec): string {
  return spec.default !== undefined ? `${spec.help} (default ${spec.default})` : spec.help;
}

function optionLines(options: Options, indent: string, width: number): string[] {
  return Object.entries(options).map(
    ([name, spec]) => `${indent}${flag(name, spec).padEnd(width)}${describe(spec)}`,
  );
}

function flagWidth(options: Options[]): number {
  const longest = Math.max(...options.flatMap((o) => Object.entries(o).map(([n, s]) => flag(n, s).length)));
  return Math.max(longest + 2, 21);
}

/** A command's own options, without the connection options it takes. */
function ownOptions(command: Command): Options {
  return Object.fromEntries(
    Object.entries(command.options).filter(
      ([name, spec]) => connectionOptions[name as keyof typeof connectionOptions] !== spec,
    ),
  );
}

function callsApi(command: Command): boolean {
  return Object.keys(connectionOptions).every((name) => Object.hasOwn(command.options, name));
}

const usage = (command: Command) => `picstack ${command.name}${command.args ? ` ${command.args}` : ""}`;

export function commandHelp(command: Command): string {
  const own = ownOptions(command);
  const groups = [own, commonOptions, ...(callsApi(command) ? [connectionOptions] : [])];
  const width = flagWidth(groups);
  const summary = `${command.summary.charAt(0).toUpperCase()}${command.summary.slice(1)}.`;
  const lines = [`Usage: ${usage(command)} [options]`, "", summary, ""];
  if (Object.keys(own).length > 0) lines.push("Options:", ...optionLines(own, "  ", width), "");
  if (callsApi(command)) {
    lines.push("Where the API is and who calls it:", ...optionLines(connectionOptions, "  ", width), "");
  }
  lines.push("Options for every command:", ...optionLines(commonOptions, "  ", width), "", EXIT_STATUS);
  return `${lines.join("\n")}\n`;
}

export function overallHelp(commands: readonly Command[], version: string): string {
  const width = flagWidth([...commands.map(ownOptions), commonOptions, connectionOptions]);
  const usageWidth = Math.max(...commands.map((c) => usage(c).length)) + 2;
  const lines = [`picstack ${version}: upload and manage images on a Picstack API`, "", "Usage:"];
  for (const command of commands) {
    lines.push(`  ${usage(command).padEnd(usageWidth)}${command.summary}`);
    lines.push(...optionLines(ownOptions(command), "      ", width));
  }
  const callers = commands.filter(callsApi).map((c) => c.name);
  lines.push(
    "",
    `Where the API is and who calls it (${callers.join(", ")}):`,
    ...optionLines(connectionOptions, "  ", width),
    "",
    "Options for every command:",
    ...optionLines(commonOptions, "  ", width),
    "",
    "Run picstack <command> --help for one command's options.",
    EXIT_STATUS,
  );
  return `${lines.join("\n")}\n`;
}
