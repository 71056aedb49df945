// The long-polling slow reader of issue 14, on Bun (the Node version is
// packages/server/test/polling-slow-reader.test.ts): a client that asks for a new GET every
// cadence on a fresh connection, reads only the first chunk of each answer and answers pings
// blindly. Each answer it leaves unread stays in the server's memory unless the Bun polling
// transport counts it against maxBufferedBytes. The server is
// test/bun/fixtures/slow-reader-app.ts, run by the bun binary.
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { connect, type Socket as NetSocket } from "node:net";
import { fileURLToPath } from "node:url";
import { io as ioc, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { waitFor, within } from "../support/app-clients.js";
import { describeBun, startBunServer } from "../support/bun.js";
import type { ServerProcess } from "../support/server-process.js";

const APP = fileURLToPath(new URL("./fixtures/slow-reader-app.ts", import.meta.url));
const describe = describeBun();

// As the Node test: each unread answer outgrows what the kernel takes for a fresh connection,
// while the queue between two GETs stays under the limit, so only unread answers overflow it.
const KERNEL_BYTES = kernelSocketBytes();
const BYTES_PER_CYCLE = Math.ceil(1.5 * KERNEL_BYTES);
const LIMIT = Math.ceil(1.35 * BYTES_PER_CYCLE);
const PAYLOAD_BYTES = 64 * 1024;
const CADENCE_MS = 2000;
const BYTES_PER_SECOND = (BYTES_PER_CYCLE * 1000) / CADENCE_MS;

function kernelSocketBytes(): number {
  const field = (file: string, i: number) => {
    try {
      return Number(readFileSync(file, "utf8").trim().split(/\s+/)[i]);
    } catch {
      return Number.NaN;
    }
  };
  const bytes = field("/proc/sys/net/ipv4/tcp_wmem", 2) + field("/proc/sys/net/ipv4/tcp_rmem", 1);
  return Number.isFinite(bytes) && bytes > 0 ? bytes : 4_200_000;
}

const raw: NetSocket[] = [];
const clients: Socket[] = [];
afterEach(() => {
  for (const socket of raw.splice(0)) socket.destroy();
  for (const c of clients.splice(0)) c.disconnect();
});

/** One GET on its own TCP connection; resolves at its first chunk, then never reads again. */
function slowGet(port: number, sid: string): Promise<NetSocket> {
  return within(
    new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(
          `GET /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
        );
      });
      raw.push(socket);
      socket.on("error", () => {});
      socket.once("data", () => {
        socket.pause();
        resolve(socket);
      });
      socket.once("close", () => resolve(socket));
    }),
    "a slow GET's first chunk",
  );
}

/**
 * A POST on a connection of its own: Bun's HTTP idle timeout here is 1 s (2 × pingInterval),
 * so a pooled keep-alive connection reused after the 2 s cadence could be one Bun is closing.
 */
function post(port: number, sid: string, body: string): Promise<number> {
  return within(
    new Promise((resolve, reject) => {
      const path = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
      const req = request(
        { host: "127.0.0.1", port, path, method: "POST", agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end(body);
    }),
    "a POST",
  );
}

interface State {
  state: string;
  reason: string | null;
  maxBuffered: number;
  buffered: number;
}

describe("polling slow reader on Bun", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    // Bun's HTTP idle timeout is 2 × pingInterval, and it closes a connection whose answer
    // stalls that long, which frees an unread answer on its own: a long interval (20 s idle
    // timeout) leaves the unread answers to the engine's count, as Node's keep-alive does.
    server = await startBunServer(APP, { LIMIT: String(LIMIT), PING_INTERVAL: "10000" });
  });
  afterAll(() => server?.kill());

  it("is cut off with 'send buffer overflow', its buffer bounded; a polling reader under the same broadcast gets everything", async () => {
    const { port } = server;
    const healthy = ioc(server.url, {
      forceNew: true,
      reconnection: false,
      transports: ["polling"],
    });
    clients.push(healthy);
    await within(
      new Promise<void>((r) => healthy.once("connect", () => r())),
      "the healthy client",
    );
    const seen: number[] = [];
    healthy.on("tick", (seq: number) => seen.push(seq));
    let healthyDropped = false;
    healthy.on("disconnect", () => {
      healthyDropped = true;
    });
    // The control client: WebSocket, out of the broadcast.
    const control = ioc(server.url, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
      query: { control: "1" },
    });
    clients.push(control);
    await within(
      new Promise<void>((r) => control.once("connect", () => r())),
      "the control client",
    );
    const state = (sid: string) =>
      control.timeout(5000).emitWithAck("state", sid) as Promise<State>;

    // The slow one, by hand: handshake, CONNECT to "/", then the slow pattern.
    const open = await (
      await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`)
    ).text();
    const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
    expect(await post(port, sid, "40")).toBe(200);

    await control.timeout(5000).emitWithAck("start", BYTES_PER_SECOND, PAYLOAD_BYTES);
    const started = performance.now();
    let last: State = await state(sid);
    for (let cycle = 0; cycle < 20 && last.state === "open"; cycle++) {
      await slowGet(port, sid);
      await post(port, sid, "3");
      await new Promise((r) => setTimeout(r, CADENCE_MS));
      last = await state(sid);
    }
    const { seq } = (await control.timeout(5000).emitWithAck("stop")) as { seq: number };
    console.log(
      "slow reader cut after %d ms: %j (limit %d, %d ticks)",
      Math.round(performance.now() - started),
      last,
      LIMIT,
      seq,
    );

    expect(last.state).toBe("closed");
    expect(last.reason).toBe("send buffer overflow");
    const packetBytes = Buffer.byteLength(`42["tick",${seq},"${"p".repeat(PAYLOAD_BYTES)}"]`);
    expect(last.maxBuffered).toBeGreaterThan(LIMIT);
    expect(last.maxBuffered).toBeLessThanOrEqual(2 * LIMIT + packetBytes);
    // The unread answers were cut off: nothing of the session is left in memory.
    await waitFor(async () => (await state(sid)).buffered === 0, "the unread answers dropped");

    await waitFor(() => seen.length === seq, "every broadcast at the healthy client", 20_000);
    expect(healthyDropped).toBe(false);
    expect(seen).toEqual(Array.from({ length: seq }, (_, i) => i));
  }, 90_000);
});
