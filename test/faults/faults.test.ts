/**
 * The reliability suite's fault hooks: faults come from inside the SDK's retry loop, only when planned,
 * and the preload that carries them into a function (bundled as a local test stack bundles it, run in a
 * `node` process of its own as MiniStack runs a function) registers them or fails the cold start.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { testSettings } from "@picstack/infrastructure";
import { bundleTestHooks, repoRoot } from "@picstack/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { injectSdkFaults, parseFaultPlan, slowDown, throttled } from "./faults.js";

let server: Server;
let endpoint: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/x-amz-json-1.0" });
      res.end(req.headers["x-amz-target"] ? "{}" : "");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

describe("parseFaultPlan", () => {
  it("accepts the known faults and refuses anything else", () => {
    expect(parseFaultPlan('{"dbThrottleRate":0.2,"killWorkerOnOriginalBytes":12345}')).toEqual({
      dbThrottleRate: 0.2,
      killWorkerOnOriginalBytes: 12345,
    });
    expect(() => parseFaultPlan('{"dbThrottleRate":2}')).toThrow("at most 1");
    expect(() => parseFaultPlan('{"deleteEverything":1}')).toThrow("unknown fault");
    expect(() => parseFaultPlan("[]")).toThrow("must be an object");
  });
});

describe("injectSdkFaults", () => {
  it("fails the chosen S3 command on every attempt the SDK makes, and lets other commands through", async () => {
    // Prepare
    const s3 = new S3Client({
      endpoint,
      region: "us-east-1",
      credentials,
      forcePathStyle: true,
      maxAttempts: 3,
    });
    injectSdkFaults(s3, { rate: 1, commands: ["GetObjectCommand"], error: slowDown });
    requests = 0;

    // Act
    const error = await s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" })).catch((e: unknown) => e);
    await s3.send(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" }));

    // Assess: the SDK retried the injected 503 as it would a real one; nothing was sent for it.
    expect(error).toMatchObject({ name: "SlowDown", $metadata: { attempts: 3 } });
    expect(requests).toBe(1);
  });

  it("throttles DynamoDB calls through the document client, retried by the SDK as throttling", async () => {
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 2 }),
    );
    injectSdkFaults(db, { rate: 1, error: throttled });
    const error = await db
      .send(new GetCommand({ TableName: "t", Key: { pk: "a" } }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "ProvisionedThroughputExceededException",
      $metadata: { attempts: 2 },
    });
  });

  it("does nothing at rate 0", async () => {
    const s3 = new S3Client({ endpoint, region: "us-east-1", credentials, forcePathStyle: true });
    injectSdkFaults(s3, { rate: 0, error: slowDown });
    requests = 0;
    await s3.send(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" }));
    expect(requests).toBe(1);
  });
});

describe("the preload", () => {
  let home: string;
  let bundle: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "picstack-faults-"));
    bundle = await bundleTestHooks(join(repoRoot, "test/faults/preload.ts"), home);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /**
   * A `node` process that preloads the hooks, then puts an object store whose reads return `bytes`
   * bytes through them and reads `key` from it, as a function's wiring would.
   */
  function coldStart(plan: string | undefined, bytes = 0, key = "images/u/a.jpg") {
    const script = `
      const hooks = globalThis[Symbol.for("picstack.test-hooks")];
      const store = hooks.objectStore({ read: async () => ({ bytes: new Uint8Array(${bytes}), etag: "e" }) });
      await store.read(${JSON.stringify(key)});
      process.stdout.write("read");`;
    const { [testSettings.faults]: _, ...inherited } = process.env;
    return spawnSync(
      process.execPath,
      [`--import=${pathToFileURL(bundle).href}`, "--input-type=module", "-e", script],
      {
        encoding: "utf8",
        // The kill's marker files go to the temporary directory: this test's own.
        env: { ...inherited, TMPDIR: home, ...(plan === undefined ? {} : { [testSettings.faults]: plan }) },
      },
    );
  }

  it("registers hooks that change nothing without a plan", () => {
    // Act
    const run = coldStart(undefined, 12345);

    // Assess
    expect(run.stderr).toBe("");
    expect([run.signal, run.stdout]).toEqual([null, "read"]);
  });

  it("fails the cold start, naming the setting, when the plan is not one", () => {
    // Act
    const run = coldStart('{"deleteEverything":1}');

    // Assess
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`${testSettings.faults}: unknown fault deleteEverything`);
    expect(run.stdout).toBe("");
  });

  it("kills the worker once after it read an original of the planned size, and lets the retry through", () => {
    // Prepare
    const plan = JSON.stringify({ killWorkerOnOriginalBytes: 321 });

    // Act
    const other = coldStart(plan, 320, "images/u/other.jpg");
    const first = coldStart(plan, 321, "images/u/victim.jpg");
    const retry = coldStart(plan, 321, "images/u/victim.jpg");

    // Assess
    expect([other.signal, other.stdout]).toEqual([null, "read"]);
    expect([first.signal, first.stdout]).toEqual(["SIGKILL", ""]);
    expect([retry.signal, retry.stdout]).toEqual([null, "read"]);
  });

  it("kills the worker on every read of a file planned to kill it always", () => {
    // Prepare
    const plan = JSON.stringify({ killWorkerAlwaysOnOriginalBytes: 654 });

    // Act
    const runs = [coldStart(plan, 654, "images/u/poison.jpg"), coldStart(plan, 654, "images/u/poison.jpg")];

    // Assess
    expect(runs.map((r) => r.signal)).toEqual(["SIGKILL", "SIGKILL"]);
  });
});
