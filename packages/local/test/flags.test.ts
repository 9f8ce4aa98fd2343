/** The CLI's flag parsing: a mistyped flag is one short line naming the closest valid flag. */
import { describe, expect, it } from "vitest";
import { parseFlags, suggestFlag, UsageError } from "../src/flags.js";

const FLAGS = ["target", "port", "web-port", "localstack-endpoint", "home", "detach", "force", "json"];
const options = {
  port: { type: "string" },
  "web-port": { type: "string" },
  detach: { type: "boolean", short: "d" },
} as const;

describe("suggestFlag", () => {
  it.each([
    ["--prot", "port"],
    ["--webport", "web-port"],
    ["--web-prot", "web-port"],
    ["--deatch", "detach"],
    ["--forse", "force"],
    ["--hom=/tmp/x", "home"],
    ["--localstack-endpont", "localstack-endpoint"],
  ])("suggests the closest flag for %s", (given, expected) => {
    expect(suggestFlag(given, FLAGS)).toBe(expected);
  });

  it.each(["--verbose", "--x", "--stage", "-q"])("suggests nothing for %s, which is no typo", (given) => {
    expect(suggestFlag(given, FLAGS)).toBeUndefined();
  });
});

describe("parseFlags", () => {
  it("parses valid flags and positionals", () => {
    const { values, positionals } = parseFlags(["start", "--port", "4800", "-d"], options);
    expect(positionals).toEqual(["start"]);
    expect(values).toEqual({ port: "4800", detach: true });
  });

  it("names the closest valid flag for a typo", () => {
    expect(() => parseFlags(["start", "--prot", "4800"], options)).toThrow(
      new UsageError("unknown option --prot; did you mean --port?"),
    );
  });

  it("says only that the flag is unknown when nothing is close", () => {
    expect(() => parseFlags(["--verbose"], options)).toThrow(new UsageError("unknown option --verbose"));
  });

  it("turns a missing value into a one-line UsageError", () => {
    expect(() => parseFlags(["--port"], options)).toThrow(UsageError);
    expect(() => parseFlags(["--port"], options)).toThrow(/--port/);
  });
});
