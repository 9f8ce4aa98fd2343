/**
 * The sharp layer build: the declared sharp version for Lambda's linux-x64 glibc, installed from the
 * committed lockfile, cached by that lockfile's content.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  buildSharpLayer,
  SHARP_LAYER_PACKAGES,
  sharpLayerDir,
  sharpLayerSource,
  sharpLayerStamp,
  sharpVersion,
} from "@picstack/infrastructure/layers/sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface LockEntry {
  version: string;
  integrity?: string;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}
const lockPackages = (file: string) =>
  (JSON.parse(readFileSync(file, "utf8")) as { packages: Record<string, LockEntry> }).packages;
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

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

  it("locks sharp and its platform packages at the versions and hashes of the root lockfile", () => {
    // Prepare
    const layerLock = lockPackages(sharpLayerSource().lockfile);
    const rootLock = lockPackages("package-lock.json");
    const rootByName = (path: string) =>
      Object.entries(rootLock)
        .filter(([p]) => p.endsWith(path.slice(path.lastIndexOf("node_modules/"))))
        .map(([, e]) => e);

    // Act
    const entries = Object.entries(layerLock).filter(([path]) => path !== "");

    // Assess
    expect(layerLock["node_modules/sharp"]?.version).toBe(sharpVersion());
    expect(layerLock["node_modules/@img/sharp-linux-x64"]).toMatchObject({
      version: sharpVersion(),
      os: ["linux"],
      cpu: ["x64"],
      libc: ["glibc"],
    });
    expect(layerLock["node_modules/@img/sharp-libvips-linux-x64"]?.integrity).toMatch(/^sha512-/);
    for (const [path, entry] of entries) {
      expect(entry.integrity, path).toMatch(/^sha512-/);
      expect(
        rootByName(path).some((r) => r.version === entry.version && r.integrity === entry.integrity),
        `${path}@${entry.version} as in the root lockfile`,
      ).toBe(true);
    }
  });

  it("installs exactly what the committed lockfile says, and says which lockfile it built", () => {
    // Prepare
    const layerLock = lockPackages(sharpLayerSource().lockfile);
    const modules = join(root, "nodejs/node_modules");

    // Act
    const installed = lockPackages(join(modules, ".package-lock.json"));

    // Assess
    expect(readFileSync(join(root, ".lock-sha256"), "utf8")).toBe(sharpLayerStamp().sha256);
    expect(Object.keys(installed).length).toBeGreaterThanOrEqual(SHARP_LAYER_PACKAGES.length);
    for (const [path, entry] of Object.entries(installed)) {
      expect(entry.version, path).toBe(layerLock[path]?.version);
      expect(entry.integrity, path).toBe(layerLock[path]?.integrity);
      const pkg = JSON.parse(readFileSync(join(root, "nodejs", path, "package.json"), "utf8"));
      expect(pkg.version, path).toBe(entry.version);
    }
  });

  it("builds again when the layer on disk came from another lockfile", async () => {
    // Prepare
    const out = join(mkdtempSync(join(tmpdir(), "picstack-layer-")), "sharp");
    scratch.push(dirname(out));
    cpSync(root, out, { recursive: true });
    writeFileSync(join(out, ".lock-sha256"), "0".repeat(64));
    rmSync(join(out, "nodejs/node_modules/sharp/package.json"));

    // Act
    const built = await buildSharpLayer(out);

    // Assess
    expect(built).toBe(out);
    expect(readFileSync(join(out, ".lock-sha256"), "utf8")).toBe(sharpLayerStamp().sha256);
    expect(
      JSON.parse(readFileSync(join(out, "nodejs/node_modules/sharp/package.json"), "utf8")).version,
    ).toBe(sharpVersion());
  });

  it("refuses a layer lockfile whose sharp is not the version @picstack/adapters depends on", () => {
    // Prepare
    const fakeRoot = mkdtempSync(join(tmpdir(), "picstack-root-"));
    scratch.push(fakeRoot);
    const write = (path: string, value: unknown) => {
      mkdirSync(dirname(join(fakeRoot, path)), { recursive: true });
      writeFileSync(join(fakeRoot, path), JSON.stringify(value));
    };
    write("packages/adapters/package.json", { dependencies: { sharp: "0.35.6" } });
    write("infrastructure/layers/sharp/nodejs/package.json", { dependencies: { sharp: "0.35.5" } });
    write("infrastructure/layers/sharp/nodejs/package-lock.json", {
      packages: { "node_modules/sharp": { version: "0.35.5" } },
    });

    // Act
    const stamp = () => sharpLayerStamp(fakeRoot);

    // Assess
    expect(stamp).toThrow(/must install sharp 0\.35\.6.*pins 0\.35\.5 and locks 0\.35\.5/);
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
