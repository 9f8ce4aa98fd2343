/**
 * One test file per subject: a package's test file is named after the module it tests (`<name>.test.ts`,
 * or `<name>.test-d.ts` for a type check, for the module `src/…/<name>.ts`), so each module's tests have
 * one home and a reader finds them by name. Support modules in a test folder (fakes, helpers, fault
 * hooks) count as modules: their own tests are named after them too.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const TEST_FILE = /\.test(?:-d)?\.tsx?$/;
const SOURCE_FILE = /(?:\.d)?\.tsx?$/;

function sourcesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((file) => /\.tsx?$/.test(file));
}

const packages = readdirSync(join(root, "packages"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, "packages", entry.name, "test")))
  .map((entry) => {
    const dir = join(root, "packages", entry.name);
    const inTest = sourcesUnder(join(dir, "test"));
    const modules = [...sourcesUnder(join(dir, "src")), ...inTest.filter((file) => !TEST_FILE.test(file))];
    return {
      name: entry.name,
      tests: inTest.filter((file) => TEST_FILE.test(file)),
      modules: new Set(modules.map((file) => basename(file).replace(SOURCE_FILE, ""))),
    };
  });

const subjectOf = (testFile: string) => basename(testFile).replace(TEST_FILE, "");

/**
 * Files whose merge into their module's test file is under way elsewhere (issue #13's `config` part).
 * The last test fails once one of them is gone, so each entry leaves with its file.
 */
const MERGES_UNDER_WAY = new Set(["functions/config-validation.test.ts"]);
const underWay = (pkg: string, file: string) => MERGES_UNDER_WAY.has(`${pkg}/${file}`);

describe("test files", () => {
  it("are found in the packages", () => {
    // Assess: the check below looks at something.
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(["adapters", "core", "functions"]));
    expect(packages.every((p) => p.tests.length > 0)).toBe(true);
  });

  it.each(packages)(
    "in packages/$name are each named after a module of the package",
    ({ name, tests, modules }) => {
      // Act
      const unnamed = tests.filter((file) => !modules.has(subjectOf(file)) && !underWay(name, file));
      // Assess
      expect(unnamed, "rename each to the module it tests, or merge it into that module's test file").toEqual(
        [],
      );
    },
  );

  it.each(packages)("in packages/$name test each module in one file", ({ tests }) => {
    // Act
    const shared = tests.filter(
      (file, i) => tests.findIndex((other) => subjectOf(other) === subjectOf(file)) !== i,
    );
    // Assess
    expect(shared, "merge the files that test the same module").toEqual([]);
  });

  it("name no merge under way that is done", () => {
    // Act
    const done = [...MERGES_UNDER_WAY].filter((entry) => {
      const [pkg = "", file = ""] = entry.split("/");
      return !packages.find((p) => p.name === pkg)?.tests.includes(file);
    });
    // Assess
    expect(done, "remove these from MERGES_UNDER_WAY").toEqual([]);
  });
});
