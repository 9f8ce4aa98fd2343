/**
 * Port checks before a run, with real listening sockets: a plain listener, and an HTTP server that
 * answers MiniStack's health route as another checkout's emulator would.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AlreadyRunningError,
  checkDeployTarget,
  checkPorts,
  isPortFree,
  PortInUseError,
} from "../src/ports.js";
import { removeState, writeState } from "../src/stack-state.js";

let home: string;
let plain: Server;
let foreignEmulator: Server;
let plainPort: number;
let emulatorPort: number;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A port that was free a moment ago (listened on, then closed). */
async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "picstack-ports-"));
  plain = createServer((_req, res) => res.writeHead(404).end());
  plainPort = await listen(plain);
  foreignEmulator = createServer((req, res) => {
    if (req.url === "/_ministack/health")
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    else res.writeHead(404).end();
  });
  emulatorPort = await listen(foreignEmulator);
});

afterAll(async () => {
  plain.close();
  foreignEmulator.close();
  await rm(home, { recursive: true, force: true });
});

describe("isPortFree", () => {
  it("is false where a socket listens and true once it is closed", async () => {
    expect(await isPortFree(plainPort)).toBe(false);
    expect(await isPortFree(await freePort())).toBe(true);
  });
});

describe("checkPorts", () => {
  it("passes when every port is free", async () => {
    const port = await freePort();
    const webPort = await freePort();
    await expect(checkPorts({ home, target: "ministack", port, webPort })).resolves.toEqual({
      emulatorRunning: false,
    });
  });

  it("names a taken web port and the flag to change", async () => {
    const port = await freePort();
    const check = checkPorts({ home, target: "ministack", port, webPort: plainPort });
    await expect(check).rejects.toThrow(PortInUseError);
    await expect(checkPorts({ home, target: "ministack", port, webPort: plainPort })).rejects.toThrow(
      `port ${plainPort} (web gallery) is in use; choose another with --web-port`,
    );
  });

  it("refuses an emulator port held by a program that is no MiniStack, even with force", async () => {
    await expect(
      checkPorts({ home, target: "ministack", port: plainPort, webPort: await freePort(), force: true }),
    ).rejects.toThrow(
      `port ${plainPort} (emulator) is in use by another program; choose another with --port`,
    );
  });

  it("refuses a MiniStack this home did not start, and allows it with force", async () => {
    const webPort = await freePort();
    await expect(checkPorts({ home, target: "ministack", port: emulatorPort, webPort })).rejects.toThrow(
      /a MiniStack that this checkout did not start answers there.*--force/,
    );
    await expect(
      checkPorts({ home, target: "ministack", port: emulatorPort, webPort, force: true }),
    ).resolves.toEqual({ emulatorRunning: true });
  });

  it("does not check the emulator port for LocalStack, which the user runs", async () => {
    await expect(
      checkPorts({ home, target: "localstack", port: emulatorPort, webPort: await freePort() }),
    ).resolves.toEqual({ emulatorRunning: false });
  });

  it("refuses a second stack in a home whose stack runs, saying how to stop it", async () => {
    await writeState({
      pid: process.pid,
      mode: "detached",
      status: "ready",
      target: "ministack",
      home,
      port: 4700,
      endpoint: "http://127.0.0.1:4700",
      webPort: 5300,
      startedAt: new Date().toISOString(),
    });
    try {
      const check = checkPorts({
        home,
        target: "ministack",
        port: await freePort(),
        webPort: await freePort(),
      });
      await expect(check).rejects.toThrow(AlreadyRunningError);
      await expect(
        checkPorts({ home, target: "ministack", port: await freePort(), webPort: await freePort() }),
      ).rejects.toThrow(/already running; stop it with `npm run stop`/);
    } finally {
      await removeState(home);
    }
  });
});

describe("checkDeployTarget", () => {
  it("refuses a MiniStack this home did not start unless forced", async () => {
    await expect(checkDeployTarget({ home, port: emulatorPort })).rejects.toThrow(
      /did not start the MiniStack that answers there.*--force/,
    );
    await expect(checkDeployTarget({ home, port: emulatorPort, force: true })).resolves.toBeUndefined();
  });

  it("says so when nothing answers", async () => {
    const port = await freePort();
    await expect(checkDeployTarget({ home, port })).rejects.toThrow(`no MiniStack answers on port ${port}`);
  });

  it("deploys into this home's own running emulator", async () => {
    await writeState({
      pid: process.pid,
      mode: "foreground",
      status: "ready",
      target: "ministack",
      home,
      port: emulatorPort,
      endpoint: `http://127.0.0.1:${emulatorPort}`,
      webPort: 5300,
      startedAt: new Date().toISOString(),
    });
    try {
      await expect(checkDeployTarget({ home, port: emulatorPort })).resolves.toBeUndefined();
    } finally {
      await removeState(home);
    }
  });
});
