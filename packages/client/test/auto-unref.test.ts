import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onCleanup, SERVER_KINDS, startServer, TRANSPORT_MODES } from "./helpers.js";

// A Node process whose only work is an idle client must exit on its own with `autoUnref`, as
// with socket.io-client (its test/fixtures/unref*.ts). Each case runs a child process on the
// client built from src/ (Node entry) into a temporary CommonJS file.

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(`${tmpdir()}/parley-client-unref-`);
  bundle = `${dir}/client.cjs`;
  await build({
    entryPoints: [new URL("../src/index.ts", import.meta.url).pathname],
    bundle: true,
    platform: "node",
    format: "cjs",
    conditions: ["source"],
    // ws loads these optional native modules in a try/catch.
    external: ["bufferutil", "utf-8-validate"],
    outfile: bundle,
    logLevel: "error",
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `script` in a child Node process with `io` in scope. A ref'd interval holds the process
 * until the script calls `release()` (once connected, or once the first attempt failed); from
 * then on only the client can keep it alive.
 */
function run(script: string): Promise<Run> {
  const code = `const { io } = require(${JSON.stringify(bundle)});
const hold = setInterval(() => {}, 1000);
const release = () => clearInterval(hold);
${script}`;
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ["-e", code], (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
    });
    // A child that never exits (the failure this file tests for) ends with its test.
    onCleanup(() => child.kill());
  });
}

describe.each(SERVER_KINDS)("autoUnref against %s", (kind) => {
  describe.each(TRANSPORT_MODES)("over $name", ({ transports }) => {
    it("a connected, idle client lets the process exit", async () => {
      const server = await startServer({}, () => {}, kind);
      const result = await run(`
const socket = io(${JSON.stringify(server.url)}, { autoUnref: true, transports: ${JSON.stringify(transports)} });
socket.on("connect", () => {
  console.log("connected", socket.io.engine.transport.name);
  release();
});`);
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(/^connected/);
      expect(result.code).toBe(0);
    });
  });

  it("after an upgrade to WebSocket too", async () => {
    const server = await startServer({}, () => {}, kind);
    const result = await run(`
const socket = io(${JSON.stringify(server.url)}, { autoUnref: true });
socket.io.engine.on("upgrade", (t) => {
  console.log("upgraded", t.name);
  release();
});`);
    expect(result.stdout).toBe("upgraded websocket\n");
    expect(result.code).toBe(0);
  });
});

describe("autoUnref while reconnecting", () => {
  it("a client retrying a server that is down lets the process exit", async () => {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    await new Promise((resolve) => http.close(resolve));
    const result = await run(`
const socket = io(${JSON.stringify(url)}, { autoUnref: true, reconnectionDelay: 50 });
socket.io.on("reconnect_attempt", () => {
  console.log("retrying");
  release();
});`);
    expect(result.stdout).toBe("retrying\n");
    expect(result.code).toBe(0);
  });
});

describe("without autoUnref", () => {
  it("a connected client holds the process open (its socket and heartbeat timer)", async () => {
    const server = await startServer({}, () => {}, "parley");
    const result = await run(`
const socket = io(${JSON.stringify(server.url)}, { transports: ["websocket"] });
socket.on("connect", () => {
  release();
  console.log(JSON.stringify(process.getActiveResourcesInfo()));
  process.exit(0);
});`);
    const resources = JSON.parse(result.stdout) as string[];
    expect(resources).toContain("TCPSocketWrap");
    expect(resources).toContain("Timeout");
  });
});
