/** The sharp layer build: the declared sharp version for Lambda's linux-x64 glibc, cached by version. */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  buildSharpLayer,
  SHARP_LAYER_PACKAGES,
  sharpLayerDir,
  sharpVersion,
} from "@picstack/infrastructure/layers/sharp";
import { beforeAll, describe, expect, it } from "vitest";

let root: string;

beforeAll(async () => {
  root = await buildSharpLayer();
});

describe("sharp layer", () => {
  it("puts sharp and its linux-x64 glibc binaries under nodejs/node_modules of the layer root", () => {
    // Prepare
    const modules = join(root, "nodejs/node_modules");

    // Act
    const present = SHARP_LAYER_PACKAGES.filter((p) => statSync(join(modules, p), { throwIfNoEntry: false }));

    // Assess
    expect(root).toBe(sharpLayerDir());
    expect(present).toEqual(["sharp", "@img/sharp-linux-x64", "@img/sharp-libvips-linux-x64"]);
    expect(statSync(join(modules, "@img/sharp-linuxmusl-x64"), { throwIfNoEntry: false })).toBeUndefined();
  });

  it("installs exactly the sharp version @picstack/adapters depends on", () => {
    // Prepare
    const adapters = JSON.parse(readFileSync("packages/adapters/package.json", "utf8"));

    // Act
    const installed = JSON.parse(readFileSync(join(root, "nodejs/node_modules/sharp/package.json"), "utf8"));

    // Assess
    expect(sharpVersion()).toBe(adapters.dependencies.sharp);
    expect(installed.version).toBe(adapters.dependencies.sharp);
    expect(readFileSync(join(root, ".version"), "utf8")).toBe(installed.version);
  });

  it("does no work when that version is already built", async () => {
    // Prepare
    const stamp = join(root, ".version");
    const before = statSync(stamp).mtimeMs;

    // Act
    const again = await buildSharpLayer();

    // Assess
    expect(again).toBe(root);
    expect(statSync(stamp).mtimeMs).toBe(before);
  });
});
