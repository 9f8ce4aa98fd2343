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

describe("test files", () => {
  it("are found in the packages", () => {
    // Assess: the check below looks at something.
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(["adapters", "core", "functions"]));
    expect(packages.every((p) => p.tests.length > 0)).toBe(true);
  });

  it.each(packages)(
    "in packages/$name are each named after a module of the package",
    ({ tests, modules }) => {
      // Act
      const unnamed = tests.filter((file) => !modules.has(subjectOf(file)));
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
});
