import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, Agent as HttpsAgent, type ServerOptions } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { Server } from "socket.io";
import { afterAll, describe, expect, it } from "vitest";
import type { IoOptions } from "../src/index.js";
import { connect, next, onCleanup, TRANSPORT_MODES } from "./helpers.js";

// The Node client's TLS and agent options (engine.io-client's names), on polling (node:https)
// and WebSocket (ws), against a real https server whose certificates are made here by openssl.

const dir = mkdtempSync(join(tmpdir(), "parley-client-tls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate (its own CA) for `cn`, valid for 127.0.0.1. */
function certificate(name: string, cn: string): void {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(dir, `${name}.key`),
      "-out",
      join(dir, `${name}.crt`),
      "-days",
      "1",
      "-subj",
      `/CN=${cn}`,
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
}

// Made when the file loads, so that a machine without openssl skips the tests below.
let haveOpenssl = true;
try {
  certificate("server", "127.0.0.1");
  certificate("client", "parley-test-client");
} catch {
  haveOpenssl = false;
  const notice = "openssl unavailable: the client TLS tests are skipped";
  if (process.env.CI === "true") throw new Error(`${notice} (CI=true, so this fails)`);
  console.warn(`\n*** SKIPPED: ${notice}\n`);
}
const read = (file: string) => (haveOpenssl ? readFileSync(join(dir, file)) : Buffer.alloc(0));
const pem = {
  serverKey: read("server.key"),
  serverCert: read("server.crt"),
  clientKey: read("client.key"),
  clientCert: read("client.crt"),
};

/** socket.io on an https server on a free port; `tls` adds to its key and certificate. */
async function startHttps(tls: ServerOptions = {}): Promise<{ url: string; io: Server }> {
  const https = createServer({ key: pem.serverKey, cert: pem.serverCert, ...tls });
  const io = new Server(https, { pingInterval: 300, pingTimeout: 200 });
  io.on("connection", (socket) => socket.on("echo", (value, ack) => ack(value)));
  await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        io.close();
        https.closeAllConnections();
        https.close(() => resolve());
      }),
  );
  return { url: `https://127.0.0.1:${(https.address() as AddressInfo).port}`, io };
}

/** Connects with `opts` and resolves with the error of the first failure, if any. */
async function outcome(url: string, opts: Partial<IoOptions>): Promise<Error | "connected"> {
  const socket = connect(url, { reconnection: false, ...opts });
  return await new Promise((resolve) => {
    socket.on("connect", () => resolve("connected"));
    socket.on("connect_error", (err) => resolve(err));
  });
}

describe.skipIf(!haveOpenssl).each(TRANSPORT_MODES)("TLS options over $name", ({ transports }) => {
  it("refuses a self-signed server by default, and trusts it with `ca`", async () => {
    const { url } = await startHttps();
    expect(await outcome(url, { transports })).toBeInstanceOf(Error);
    const socket = connect(url, { transports, ca: pem.serverCert });
    await next(socket, "connect");
    expect(await socket.emitWithAck("echo", "over tls")).toBe("over tls");
  });

  it("accepts any certificate with rejectUnauthorized: false", async () => {
    const { url } = await startHttps();
    expect(await outcome(url, { transports, rejectUnauthorized: false })).toBe("connected");
  });

  it("sends a client certificate (`cert`, `key`) to a server that requires one", async () => {
    const { url, io } = await startHttps({
      requestCert: true,
      rejectUnauthorized: true,
      ca: pem.clientCert,
    });
    expect(await outcome(url, { transports, ca: pem.serverCert })).toBeInstanceOf(Error);
    const peers: string[] = [];
    io.on("connection", (socket) => {
      const tls = socket.conn.request.socket as TLSSocket;
      peers.push(String(tls.getPeerCertificate().subject.CN));
    });
    const result = await outcome(url, {
      transports,
      ca: pem.serverCert,
      cert: pem.clientCert,
      key: pem.clientKey,
    });
    expect(result).toBe("connected");
    expect(peers).toEqual(["parley-test-client"]);
  });

  it("makes its requests through the given `agent`", async () => {
    const { url } = await startHttps();
    // The CA is known only to the agent: connecting proves each request went through it.
    const agent = new HttpsAgent({ ca: pem.serverCert, keepAlive: true });
    onCleanup(() => agent.destroy());
    const socket = connect(url, { transports, agent });
    await next(socket, "connect");
    expect(await socket.emitWithAck("echo", 1)).toBe(1);
  });
});
