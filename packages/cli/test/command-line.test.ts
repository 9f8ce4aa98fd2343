/**
 * Each command takes only the options it declares (plus the shared ones), says so naming itself and the
 * option when given another, and documents exactly its own options in its help.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { VERSION } from "../src/cli.js";
import { type CommandLine, commonOptions, connectionOptions, parseCommandLine } from "../src/command-line.js";
import { commands } from "../src/commands/index.js";
import { CliError } from "../src/output.js";

const parse = (...argv: string[]) => parseCommandLine(argv, commands, VERSION);

function usageError(argv: string[]): CliError {
  try {
    parse(...argv);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
}

function ran(line: CommandLine) {
  if (line.kind !== "run") throw new Error(`expected a command to run, got ${line.kind}`);
  return line;
}

function helpOf(name: string): string {
  const line = parse(name, "--help");
  if (line.kind !== "help") throw new Error(`expected help, got ${line.kind}`);
  expect(line.exitCode).toBe(0);
  return line.text;
}

describe("per-command options", () => {
  it.each([
    [["get", "abc", "--concurrency", "9"], "get does not take --concurrency"],
    [["get", "abc", "--concurrency=9"], "get does not take --concurrency"],
    [["ls", "--no-wait"], "ls does not take --no-wait"],
    [["ls", "-r"], "ls does not take -r"],
    [["rm", "abc", "--expires-in", "60"], "rm does not take --expires-in"],
    [["upload", "a.jpg", "--all"], "upload does not take --all"],
    // token reads the local stack's files and never calls the API.
    [["token", "alice", "--user", "bob"], "token does not take --user"],
  ])("refuses %j as a usage error naming the command and the option", (argv, message) => {
    // Act
    const error = usageError(argv);
    // Assess
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(message);
  });

  it("accepts a command's own option, with its arguments in any order", () => {
    // Act
    const line = ran(parse("upload", "--concurrency", "9", "a.jpg", "--tag", "x", "b.jpg", "--tag", "y"));
    // Assess
    expect(line.command.name).toBe("upload");
    expect(line.values).toMatchObject({ concurrency: "9", tag: ["x", "y"] });
    expect(line.positionals).toEqual(["a.jpg", "b.jpg"]);
  });

  it("fills in a declared default when the option is absent", () => {
    // Act
    const line = ran(parse("upload", "a.jpg"));
    // Assess
    expect(line.values).toMatchObject({ concurrency: "4", timeout: "120" });
  });

  it("takes the shared options in every command that calls the API, also before the command", () => {
    // Act
    const line = ran(parse("--user", "alice", "--json", "ls", "--tag", "beach"));
    // Assess
    expect(line.command.name).toBe("ls");
    expect(line.values).toMatchObject({ user: "alice", json: true, tag: ["beach"] });
    expect(line.positionals).toEqual([]);
  });

  it("says in one line what is wrong with an option's value, naming the command", () => {
    // Act
    const missing = usageError(["ls", "--limit"]);
    const valued = usageError(["get", "abc", "--json=yes"]);
    const swallowed = usageError(["ls", "--tag", "--json"]);
    // Assess
    expect(missing.message).toBe("ls: --limit needs a value (--limit <1-100>)");
    expect(valued.message).toBe("get: --json takes no value");
    expect(swallowed.message).toMatch(/^ls: --tag needs a value \(--tag <tag>\), not the option --json;/);
    expect(swallowed.message).toContain("--tag=--json");
    for (const error of [missing, valued, swallowed]) {
      expect(error.exitCode).toBe(2);
      expect(error.message).not.toContain("\n");
    }
  });

  it("takes a value that starts with a dash when written with =", () => {
    // Act
    const line = ran(parse("ls", "--tag=-beach"));
    // Assess
    expect(line.values).toMatchObject({ tag: ["-beach"] });
  });

  it.each([
    [["ls", "--limt", "5"], "unknown option --limt; did you mean --limit?"],
    [["--limt", "5", "ls"], "unknown option --limt; did you mean --limit?"],
    [["ls", "--stauts=ready"], "unknown option --stauts; did you mean --status?"],
    [["upload", "a.jpg", "--concurency", "2"], "unknown option --concurency; did you mean --concurrency?"],
    [["upload", "a.jpg", "--recursve"], "unknown option --recursve; did you mean --recursive?"],
    [["ls", "--jsno"], "unknown option --jsno; did you mean --json?"],
    [["ls", "--frobnicate"], "unknown option --frobnicate; run picstack ls --help"],
    [["ls", "-z"], "unknown option -z; run picstack ls --help"],
    [["--limt"], "unknown option --limt; did you mean --limit?"],
  ])("refuses the mistyped %j with the closest option (exit 2)", (argv, message) => {
    // Act
    const error = usageError(argv);
    // Assess
    expect(error).toMatchObject({ exitCode: 2, message });
  });

  it("suggests only the command's own options for a typo", () => {
    // Act: --timout is close to upload's --timeout, which ls does not take.
    const error = usageError(["ls", "--timout", "5"]);
    // Assess
    expect(error.message).toBe("unknown option --timout; run picstack ls --help");
  });

  it("suggests the closest command for a mistyped one", () => {
    // Act
    const error = usageError(["uplod", "a.jpg"]);
    // Assess
    expect(error).toMatchObject({ exitCode: 2, message: 'unknown command "uplod"; did you mean upload?' });
  });

  it("refuses an unknown command, and answers no command with the help on stderr (exit 2)", () => {
    // Act
    const unknown = usageError(["frobnicate"]);
    const none = parse();
    // Assess
    expect(unknown.message).toBe('unknown command "frobnicate"; run picstack --help');
    expect(none).toMatchObject({ kind: "help", exitCode: 2 });
  });

  it("answers --version wherever it stands", () => {
    // Act / Assess
    expect(parse("-v")).toEqual({ kind: "version" });
    expect(parse("ls", "--version")).toEqual({ kind: "version" });
  });
});

describe("help", () => {
  it.each(commands.map((c) => [c.name, c] as const))(
    "for %s lists its options and no other command's",
    (name, command) => {
      // Prepare
      const others = commands
        .flatMap((c) => Object.keys(c.options))
        .filter((option) => !Object.hasOwn(command.options, option));
      // Act
      const help = helpOf(name);
      // Assess
      expect(help.startsWith(`Usage: picstack ${name}`)).toBe(true);
      for (const option of [...Object.keys(command.options), ...Object.keys(commonOptions)])
        expect(help).toContain(`--${option}`);
      for (const option of others) expect(help).not.toMatch(new RegExp(`--${option}\\b`));
    },
  );

  it("shows a declared default", () => {
    // Act
    const help = helpOf("upload");
    // Assess
    expect(help).toMatch(/--concurrency <n>\s+files in flight at once \(default 4\)/);
  });

  it("for the whole CLI names every command and the connection options once", () => {
    // Act
    const line = parse("--help");
    // Assess
    expect(line).toMatchObject({ kind: "help", exitCode: 0 });
    const text = line.kind === "help" ? line.text : "";
    for (const command of commands) expect(text).toContain(`picstack ${command.name}`);
    for (const option of Object.keys(connectionOptions))
      expect(text.match(new RegExp(`--${option} `, "g"))).toHaveLength(1);
  });
});

describe("the picstack program", () => {
  const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
  const picstack = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [
        "--import",
        "tsx",
        main,
        ...args,
      ]);
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it("exits 2 with one line for an option of another command, before calling anything", async () => {
    // Act
    const result = await picstack("get", "abc", "--concurrency", "9", "--api-url", "http://127.0.0.1:9");
    // Assess
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: "picstack: get does not take --concurrency; run picstack get --help\n",
    });
  });

  it("exits 2 with one line naming the closest option for a mistyped one", async () => {
    // Act
    const result = await picstack("ls", "--limt", "5", "--api-url", "http://127.0.0.1:9");
    // Assess
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: "picstack: unknown option --limt; did you mean --limit?\n",
    });
  });

  it("prints a command's help on stdout", async () => {
    // Act
    const result = await picstack("token", "--help");
    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: picstack token <userId> [options]");
    expect(result.stdout).toContain("--expires-in <seconds>");
  });
});
