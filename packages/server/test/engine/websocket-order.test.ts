import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Socket as ServerSocket } from "../../src/index.js";
import { type Harness, startServer, until } from "../helpers.js";
import {
  until as engineUntil,
  nextConnection,
  onCleanup,
  runCleanups,
  startEngine,
} from "./helpers.js";

/**
 * Frame order through the WebSocket sink (`src/engine/node/websocket-sink.ts`), read by the
 * official client: single sends (framed per connection) interleaved with broadcasts (framed
 * once for every recipient), binary attachments, a broadcast past the 16 KiB coalescing
 * limit, sends from a later tick, a `nextTick` and a microtask (each side of the sink's
 * end-of-tick flush), and a connection that listens to `drain` (its writes carry a
 * callback). With permessage-deflate negotiated, frames go through `ws.send` instead: the
 * same order must hold.
 */

interface Received {
  readonly n: number;
  readonly bytes?: number[];
  readonly length?: number;
}

const BIG = "x".repeat(20_000);

/** Sends numbered events in every way the server can, in one fixed order; returns how many. */
async function sendAll(io: Harness["io"], sockets: ServerSocket[]): Promise<number> {
  let n = 0;
  const single = (binary = false) => {
    n++;
    for (const socket of sockets) {
      if (binary) socket.emit("e", n, Buffer.from([n, n, n]));
      else socket.emit("e", n);
    }
  };
  const broadcast = (payload?: "binary" | "big") => {
    n++;
    if (payload === "binary") io.to("room").emit("e", n, Buffer.from([n, n]));
    else if (payload === "big") io.to("room").emit("e", n, BIG);
    else io.to("room").emit("e", n);
  };
  // One tick: everything below leaves in the sink's one end-of-tick write per connection.
  single();
  broadcast();
  single(true);
  broadcast("binary");
  broadcast();
  single();
  broadcast("big");
  single();
  process.nextTick(() => {
    // After the sink's flush was scheduled: a new batch, behind the first one.
    broadcast();
    single(true);
  });
  queueMicrotask(() => {
    single();
    broadcast("binary");
  });
  await new Promise((r) => setImmediate(r));
  // A later tick: the previous batches are on the wire (or in the socket's buffer).
  broadcast();
  single();
  broadcast("big");
  broadcast("binary");
  single(true);
  await new Promise((r) => setImmediate(r));
  return n;
}

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each([
  { deflate: false, name: "pre-framed (no extension)" },
  { deflate: true, name: "permessage-deflate (ws.send)" },
])("WebSocket frame order: $name", ({ deflate }) => {
  it("interleaved sends and broadcasts, binary and big ones, across ticks, arrive in order", async () => {
    h = await startServer(
      { perMessageDeflate: deflate ? { threshold: 0 } : false },
      { transports: ["websocket"] },
    );
    const server = h;
    const serverSockets: ServerSocket[] = [];
    let drains = 0;
    server.io.on("connection", (socket) => {
      socket.join("room");
      // The second connection's writes ask for a write callback (the drain notice).
      if (serverSockets.length === 1) socket.conn.on("drain", () => drains++);
      serverSockets.push(socket);
    });
    const received: Received[][] = [[], []];
    const clients = [server.client(), server.client()];
    clients.forEach((client, i) => {
      client.on("e", (n: number, extra?: unknown) => {
        const got = received[i] as Received[];
        if (Buffer.isBuffer(extra)) got.push({ n, bytes: [...extra] });
        else if (typeof extra === "string") got.push({ n, length: extra.length });
        else got.push({ n });
      });
    });
    await until(() => serverSockets.length === 2 && clients.every((c) => c.connected));

    const total = await sendAll(server.io, serverSockets);
    await until(() => received.every((r) => r.length === total), "every event");

    for (const got of received) {
      expect(got.map((r) => r.n)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      for (const r of got) {
        if (r.bytes !== undefined) expect(r.bytes.every((b) => b === r.n)).toBe(true);
        if (r.length !== undefined) expect(r.length).toBe(BIG.length);
      }
      expect(got.filter((r) => r.bytes !== undefined).length).toBe(6);
      expect(got.filter((r) => r.length !== undefined).length).toBe(2);
    }
    expect(drains).toBeGreaterThan(0);
  });
});

describe("WebSocket send callbacks through the sink", () => {
  afterEach(runCleanups);

  it("run in order once written, also when the session is closed right after", async () => {
    const e = await startEngine();
    const connection = nextConnection(e.engine);
    const client = new WebSocket(e.wsUrl("transport=websocket"));
    onCleanup(() => client.close());
    const frames: string[] = [];
    client.on("message", (data) => frames.push(String(data)));
    const conn = await connection;
    const called: string[] = [];
    conn.send("a", () => called.push("a"));
    conn.send("b");
    conn.send("c", () => called.push("c"));
    conn.close();
    await engineUntil(() => called.length === 2);
    expect(called).toEqual(["a", "c"]);
    await engineUntil(() => frames.includes("4c"));
    expect(frames.filter((f) => f.startsWith("4"))).toEqual(["4a", "4b", "4c"]);
  });
});
