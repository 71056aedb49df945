import { readFileSync } from "node:fs";
import { connect, type Socket as NetSocket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Session } from "../src/engine/core/session.js";
import { type Harness, next, sleep, startServer, until } from "./helpers.js";

/**
 * The long-polling slow reader of issue 14: a client that asks for a new GET every cadence on
 * a fresh connection, reads only the first chunk of each answer and answers pings blindly.
 * Each answer it leaves unread stays in the server's memory unless the polling transport
 * counts it against `maxBufferedBytes`, as the WebSocket transport counts unsent frames.
 */

// Each answer the slow reader leaves unread must outgrow what the kernel takes for a fresh
// connection (its send buffer, up to tcp_wmem's max, plus the peer's receive buffer), or it
// never stays in the server's memory at all: answers of 1.5 times that (~6 MB with Linux's
// defaults, a GET every 2 s), while the queue between two GETs stays under the limit, so only
// unread answers can overflow it.
const KERNEL_BYTES = kernelSocketBytes();
const BYTES_PER_CYCLE = Math.ceil(1.5 * KERNEL_BYTES);
const LIMIT = Math.ceil(1.35 * BYTES_PER_CYCLE);
const PAYLOAD = "p".repeat(64 * 1024);
const CADENCE_MS = 2000;
const BYTES_PER_SECOND = (BYTES_PER_CYCLE * 1000) / CADENCE_MS;

/** The most a loopback TCP connection's kernel buffers may hold (Linux), else 4.2 MB. */
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

let h: Harness | undefined;
const raw: NetSocket[] = [];

afterEach(async () => {
  for (const socket of raw.splice(0)) socket.destroy();
  await h?.close();
  h = undefined;
});

/** One GET on its own TCP connection; resolves at its first chunk, then never reads again. */
function slowGet(port: number, sid: string): Promise<NetSocket> {
  return new Promise((resolve) => {
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
  });
}

async function post(port: number, sid: string, body: string): Promise<number> {
  const url = `http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  return (await fetch(url, { method: "POST", body })).status;
}

describe("polling slow reader", () => {
  it("is cut off with 'send buffer overflow', its buffer bounded; a polling reader under the same broadcast gets everything", async () => {
    h = await startServer({ maxBufferedBytes: LIMIT, pingInterval: 300, pingTimeout: 5000 });
    const { port } = h;
    const reasons = new Map<string, string>();
    h.io.on("connection", (s) => s.on("disconnect", (r) => reasons.set(s.id, r)));

    // The normal client: official socket.io-client, polling only.
    const healthy = h.client("/", { transports: ["polling"] });
    await next(healthy, "connect");
    const seen: number[] = [];
    healthy.on("tick", (seq: number) => seen.push(seq));
    let healthyDropped = false;
    healthy.on("disconnect", () => {
      healthyDropped = true;
    });

    // The slow one, by hand: handshake, CONNECT to "/", then the slow pattern.
    const open = await (
      await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`)
    ).text();
    const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
    expect(await post(port, sid, "40")).toBe(200);
    await until(() => h?.io.of("/").sockets.size === 2, "both sockets connected");
    const slowSocketId = [...h.io.of("/").sockets.values()].find((s) => s.conn.id === sid)
      ?.id as string;
    const conn = h.io.engine.clients.get(sid) as unknown as Session;

    let seq = 0;
    let maxBuffered = 0;
    let running = true;
    const started = performance.now();
    const broadcaster = (async () => {
      // A steady byte rate, however late the timer fires on a busy machine.
      for (let round = 0; round < 10_000 && running; round++) {
        const due = ((performance.now() - started) / 1000) * BYTES_PER_SECOND;
        while (seq * PAYLOAD.length < due) {
          h?.io.emit("tick", seq++, PAYLOAD);
          maxBuffered = Math.max(maxBuffered, conn.bufferedBytes);
        }
        await sleep(10);
      }
    })();
    for (let cycle = 0; cycle < 20 && conn.readyState === "open"; cycle++) {
      await slowGet(port, sid);
      await post(port, sid, "3");
      await sleep(CADENCE_MS);
    }
    running = false;
    await broadcaster;

    expect(conn.readyState).toBe("closed");
    await until(() => reasons.has(slowSocketId), "the slow socket's disconnect");
    expect(reasons.get(slowSocketId)).toBe("send buffer overflow");
    // Never more than the hard limit (twice maxBufferedBytes) plus the packet that crossed it.
    const packetBytes = Buffer.byteLength(`42["tick",${seq},"${PAYLOAD}"]`);
    expect(maxBuffered).toBeGreaterThan(LIMIT);
    expect(maxBuffered).toBeLessThanOrEqual(2 * LIMIT + packetBytes);
    // The unread answers' connections are ended: nothing of the session is left in memory.
    expect(conn.transport.bufferedBytes()).toBe(0);

    // The healthy polling client stayed and got every broadcast, in order.
    await until(() => seen.length === seq, "every broadcast at the healthy client");
    expect(healthyDropped).toBe(false);
    expect(seen).toEqual(Array.from({ length: seq }, (_, i) => i));
    expect(reasons.has(healthy.id as string)).toBe(false);
  }, 90_000);
});
