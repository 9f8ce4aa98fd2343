/**
 * The SDK, the CLI and the local runner as a user gets them: `npm pack` of each workspace, installed
 * from the tarballs into an empty project outside the repository, then used there: the SDK and the CLI
 * against the test stack, the runner to start a stack of its own. This proves the tarballs carry
 * everything they need (built JavaScript, types, the bundled binaries, the runner's packed templates)
 * and nothing that resolves to this repository's workspaces.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { localModeFor, repoRoot } from "@picstack/local";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { preparePackagedAssembly } from "../../packages/local/src/packaged-assembly.js";
import { outputs, photoJpeg, tokenFor } from "./helpers.js";

const exec = promisify(execFile);

/** This process's environment without npm's and Picstack's own variables, which would steer the children. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|PICSTACK_)/i.test(name)));
}

async function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeout = 100_000,
) {
  try {
    return await exec(command, args, { cwd, env: { ...cleanEnvironment(), ...env }, timeout });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`,
    );
  }
}

// The runner's own stack, on the ports after the test stack's.
const runnerPort = Number(process.env.PICSTACK_TEST_PORT ?? 4610) + 1;
const runnerWebPort = Number(process.env.PICSTACK_TEST_WEB_PORT ?? 5190) + 1;

let work: string;
let project: string;
const user = `packed-${Date.now()}`;

// A client of the installed SDK, in TypeScript: type-checked against the shipped .d.ts, then run.
const CLIENT = `import { readFile } from "node:fs/promises";
import { type Image, PicstackClient, PicstackError } from "@picstack/sdk";

const client = new PicstackClient({
  baseUrl: process.env.API_URL as string,
  token: () => process.env.TOKEN as string,
});
const data = await readFile(process.argv[2] as string);
const pending: Image = await client.createUpload({ data, filename: "from-sdk.jpg" }, { tags: ["Packed"] });
const ready: Image = await client.waitUntilReady(pending.id, { timeoutMs: 60_000 });
const missing = await client.getImage("0000000000aaaaaaaaaaaaaaaa").catch((error: unknown) => error);
process.stdout.write(
  JSON.stringify({
    resolved: import.meta.resolve("@picstack/sdk"),
    ready,
    missing: missing instanceof PicstackError ? missing.code : String(missing),
  }),
);
`;

// The installed runner's programmatic API: a stack of its own, used through the installed SDK, then stopped.
const RUNNER = `import { readFile } from "node:fs/promises";
import { signDevToken, startLocalStack } from "@picstack/local";
import { PicstackClient } from "@picstack/sdk";

const home = process.env.STACK_HOME;
const stack = await startLocalStack({
  target: "ministack",
  port: Number(process.env.PORT),
  webPort: Number(process.env.WEB_PORT),
  localstackEndpoint: "http://localhost:4566",
  home,
  persist: false,
  settings: { PICSTACK_ANALYSIS_PROVIDER: "basic" },
  log: () => {},
});
try {
  const client = new PicstackClient({ baseUrl: stack.outputs.apiUrl, token: await signDevToken("runner", { home }) });
  const data = await readFile("photo.jpg");
  const pending = await client.createUpload({ data, filename: "on-the-runner.jpg" });
  const ready = await client.waitUntilReady(pending.id, { timeoutMs: 60_000 });
  const gallery = await fetch(stack.outputs.webUrl).then((response) => response.text());
  process.stdout.write(JSON.stringify({ outputs: stack.outputs, ready, gallery }));
} finally {
  await stack.stop();
}
`;

beforeAll(async () => {
  // Prepare: the tarballs, as `npm pack` makes them (its prepack scripts build), one after the other.
  work = await mkdtemp(join(tmpdir(), "picstack-packages-"));
  const tarballs = join(work, "tarballs");
  project = join(work, "project");
  await mkdir(tarballs);
  await mkdir(project);
  await run(
    "npm",
    [
      "pack",
      ...["-w", "@picstack/sdk", "-w", "@picstack/cli", "-w", "@picstack/local"],
      ...["--pack-destination", tarballs, "--silent"],
    ],
    repoRoot,
    {},
    // The runner's pack synthesizes the templates when their sources changed since the last pack (~30 s).
    200_000,
  );
  const packed = (await readdir(tarballs)).sort();
  expect(packed).toEqual(["picstack-cli-0.1.0.tgz", "picstack-local-0.1.0.tgz", "picstack-sdk-0.1.0.tgz"]);

  // An empty project, with only the tarballs installed (and the runner's dependencies, from npm's cache).
  await run("npm", ["init", "-y"], project);
  await run("npm", ["pkg", "set", "type=module"], project);
  await run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", ...packed.map((file) => join(tarballs, file))],
    project,
  );
  await writeFile(join(project, "photo.jpg"), await photoJpeg(900, 600));
  await writeFile(join(project, "client.ts"), CLIENT);
  await writeFile(join(project, "runner.mjs"), RUNNER);
  await writeFile(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        // Node's types (this script reads a file) and nothing else of the repository's.
        lib: ["ES2023"],
        typeRoots: [join(repoRoot, "node_modules/@types")],
        types: ["node"],
        strict: true,
        skipLibCheck: false,
        outDir: "out",
      },
      files: ["client.ts"],
    }),
  );
}, 240_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the packed SDK and CLI, installed in an empty project", () => {
  it("type-check against the shipped declarations, upload, and wait until ready", async () => {
    // Act
    await run(join(repoRoot, "node_modules/.bin/tsc"), ["-p", "."], project);
    const { stdout } = await run(process.execPath, ["out/client.js", "photo.jpg"], project, {
      API_URL: outputs().apiUrl,
      TOKEN: await tokenFor(user),
    });

    // Assess
    const result = JSON.parse(stdout) as {
      resolved: string;
      ready: { status: string; width: number; tags: string[]; filename: string };
      missing: string;
    };
    expect(result.resolved).toBe(
      new URL(`file://${join(project, "node_modules/@picstack/sdk/dist/index.js")}`).href,
    );
    expect(result.ready).toMatchObject({ status: "ready", width: 900, filename: "from-sdk.jpg" });
    expect(result.ready.tags).toContain("packed");
    expect(result.missing).toBe("image_not_found");
  });

  it("run the picstack binary: upload a file, wait until ready, and list it", async () => {
    // Prepare
    const picstack = join(project, "node_modules/.bin/picstack");
    const connection = ["--api-url", outputs().apiUrl, "--token", await tokenFor(user)];

    // Act
    const upload = await run(
      picstack,
      ["upload", "photo.jpg", "--tag", "packed-cli", "--json", ...connection],
      project,
      { CI: "1" },
    );
    const listed = await run(picstack, ["ls", "--tag", "packed-cli", "--json", ...connection], project, {
      CI: "1",
    });

    // Assess
    expect(JSON.parse(upload.stdout)).toMatchObject([{ ok: true, status: "ready" }]);
    const { items } = JSON.parse(listed.stdout) as { items: { filename: string }[] };
    expect(items.map((image) => image.filename)).toEqual(["photo.jpg"]);
  });
});

describe("the packed runner, installed in an empty project", () => {
  it("ships templates that, with a stack's values in, are the ones a synth with those values writes", async () => {
    // Prepare: the test stack's values, as global-setup.ts deployed it.
    const home = inject("home");
    const { endpoint, webUrl } = outputs();
    const mode = await localModeFor({
      target: "ministack",
      endpoint,
      webOrigin: webUrl,
      home,
      settings: inject("settings"),
    });

    // Act
    const assembly = await preparePackagedAssembly(
      join(project, "node_modules/@picstack/local/dist/assembly"),
      join(work, "filled"),
      { mode, webOrigin: webUrl },
    );

    // Assess: every template, function environments and asset hashes included; only the API's deployment
    // has another name (the hash of its configuration is the packed one's, rehashed with the values).
    const read = async (file: string) =>
      JSON.parse((await readFile(file, "utf8")).replace(/"(ApiDeployment[0-9A-F]{8})[0-9a-f]{32}"/g, '"$1"'));
    const names = (await readdir(assembly)).filter((name) => name.endsWith(".template.json")).sort();
    expect(names).toHaveLength(6);
    for (const name of names) {
      expect(await read(join(assembly, name)), name).toEqual(await read(join(home, "cdk.out", name)));
    }
  });

  it("starts a stack from its packed templates that processes an upload and serves the gallery", async () => {
    // Act: MiniStack's virtual environment is the test stack's (installed from PyPI once); the rest is
    // the installed runner's, in the project.
    const { stdout } = await run(process.execPath, ["runner.mjs"], project, {
      PICSTACK_HOME: join(repoRoot, ".picstack"),
      STACK_HOME: join(project, ".picstack"),
      PORT: String(runnerPort),
      WEB_PORT: String(runnerWebPort),
    });

    // Assess
    const result = JSON.parse(stdout) as {
      outputs: { apiUrl: string; webUrl: string };
      ready: { status: string; width: number; urls?: { thumb?: string } };
      gallery: string;
    };
    expect(result.outputs.apiUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${runnerPort}/restapis/`));
    expect(result.outputs.webUrl).toBe(`http://127.0.0.1:${runnerWebPort}`);
    expect(result.ready).toMatchObject({ status: "ready", width: 900 });
    // Presigned for the runner's own emulator: its endpoint went into the packed templates.
    expect(result.ready.urls?.thumb).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${runnerPort}/`));
    // The packed gallery, not the page that says it is not built.
    expect(result.gallery).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js">/);
  }, 180_000);
});
