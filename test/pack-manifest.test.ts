/** The manifest `npm pack` ships for a workspace package (scripts/pack-manifest.ts). */
import { describe, expect, it } from "vitest";
import { packedManifest } from "../scripts/pack-manifest.js";

describe("packedManifest", () => {
  it("takes exports, bin and dependencies from publishConfig and drops the workspace's devDependencies", () => {
    // Prepare
    const workspace = {
      name: "@picstack/cli",
      version: "0.1.0",
      bin: { picstack: "bin/picstack.mjs" },
      exports: { "./build": "./src/build.ts" },
      dependencies: { "@picstack/sdk": "0.1.0", esbuild: "0.28.2" },
      devDependencies: { "@picstack/core": "0.1.0" },
      files: ["dist/picstack.mjs"],
      publishConfig: {
        bin: { picstack: "dist/picstack.mjs" },
        exports: { "./package.json": "./package.json" },
        dependencies: {},
        access: "public",
      },
    };

    // Act
    const packed = packedManifest(workspace);

    // Assess
    expect(packed).toEqual({
      name: "@picstack/cli",
      version: "0.1.0",
      bin: { picstack: "dist/picstack.mjs" },
      exports: { "./package.json": "./package.json" },
      dependencies: {},
      files: ["dist/picstack.mjs"],
      // What is npm's own publish configuration stays where npm reads it.
      publishConfig: { access: "public" },
    });
  });

  it("leaves a manifest without publishConfig as it is, less its devDependencies", () => {
    // Act / Assess
    expect(packedManifest({ name: "x", exports: "./a.js", devDependencies: { y: "1" } })).toEqual({
      name: "x",
      exports: "./a.js",
    });
  });
});
