import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { io as ioc } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { type ServerProcess, startServer } from "../../../test/support/server-process.js";
import { until } from "./helpers.js";

// DEBUG=socket.io* must show the server layer's story of a connection, as it does on
// socket.io, and DEBUG=parley:* the same lines under Parley's names. The server runs in a child
// process (the `debug` package reads DEBUG at startup) on the build: skipped with a notice
// without one, except under CI=true.
const script = fileURLToPath(new URL("fixtures/debug-server.mjs", import.meta.url));
const built = existsSync(fileURLToPath(new URL("../dist/index.cjs", import.meta.url)));
if (!built) {
  const notice = "packages/server/dist missing: run `npm run build` to test debug logging";
  if (process.env.CI === "true") throw new Error(`${notice} (CI=true, so this fails)`);
  console.warn(`\n*** SKIPPED: ${notice}\n`);
}

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.kill();
  server = undefined;
});

/** One connection's life against a server started with `DEBUG=<debug>`; its log lines. */
async function oneConnection(debug: string): Promise<string[]> {
  server = await startServer(script, { DEBUG: debug, DEBUG_COLORS: "false" });
  const s = server;
  const client = ioc(s.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  try {
    expect(await client.timeout(5000).emitWithAck("echo", "hi")).toBe("hi");
  } finally {
    client.disconnect();
  }
  await until(() => s.output().includes("DISCONNECTED"), "the server's disconnect");
  return s
    .output()
    .split("\n")
    .filter((line) => !line.startsWith("listening on") && line !== "DISCONNECTED" && line !== "");
}

describe.runIf(built)("debug logging", () => {
  it("DEBUG=socket.io* logs a connection under socket.io's names", async () => {
    const lines = await oneConnection("socket.io*");
    const names = new Set(lines.map((line) => /(socket\.io[:-][a-z-]+)/.exec(line)?.[1]));
    expect(names).toEqual(
      new Set([
        "socket.io:server",
        "socket.io:client",
        "socket.io:namespace",
        "socket.io:socket",
        "socket.io-parser",
      ]),
    );
    const text = lines.join("\n");
    for (const expected of [
      "incoming connection with id",
      "connecting to namespace /",
      "adding socket to nsp /",
      "socket connected - writing packet",
      "join room",
      "got packet",
      "attaching ack callback to event",
      "sending ack",
      "got disconnect packet",
      "closing socket - reason client namespace disconnect",
      "decoded 2",
      "encoded",
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain("parley:");
  });

  it("DEBUG=parley:* logs the same lines under Parley's names", async () => {
    const lines = await oneConnection("parley:*");
    const text = lines.join("\n");
    for (const name of ["parley:server", "parley:client", "parley:namespace", "parley:socket"]) {
      expect(text).toContain(name);
    }
    expect(text).toContain("incoming connection with id");
    expect(text).not.toContain("socket.io:");
  });

  it("logs nothing without DEBUG", async () => {
    expect(await oneConnection("")).toEqual([]);
  });
});
