/**
 * The runner installed from its tarball (`npm pack -w @picstack/local`, see pack.ts) rather than run
 * from this repository. An installed package has no sources to synthesize the templates from, nor a
 * web gallery to build, nor the repository's node_modules: the pack ships, beside the bundled runner in
 * `dist/`, the cloud assembly synthesized ahead (packaged-assembly.ts), the built gallery and the
 * emulator's requirements files, and the package depends on the pinned CDK CLI and the AWS SDK.
 * In the repository none of that exists and every path below is the checkout's.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The folder of an installed runner's files (`<package>/dist`), or undefined in the repository. */
export const packagedDir: string | undefined = existsSync(join(here, "assembly", "manifest.json"))
  ? here
  : undefined;

/** What the pack puts into `dist/`, under `dir`. */
export const packagedLayout = (dir: string) => ({
  assembly: join(dir, "assembly"),
  web: join(dir, "web"),
  requirements: join(dir, "requirements"),
});

const require = createRequire(import.meta.url);

/** The pinned CDK CLI the installed runner depends on (`aws-cdk` in its manifest). */
export function packagedCdk(): string {
  return require.resolve("aws-cdk/bin/cdk");
}

/** The installed `@aws-sdk` scope folder, which the emulator's Lambda runtime gets on its NODE_PATH. */
export function packagedAwsSdk(): string {
  let dir = require.resolve("@aws-sdk/client-s3");
  while (basename(dir) !== "@aws-sdk") {
    if (dirname(dir) === dir) throw new Error("@aws-sdk/client-s3 is not installed in an @aws-sdk folder");
    dir = dirname(dir);
  }
  return dir;
}
