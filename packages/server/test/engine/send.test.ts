import { Socket as EioSocket, type SocketOptions } from "engine.io-client";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { EngineConnection, TransportInfo } from "../../src/engine/index.js";
import {
  collect,
  type Harness,
  nextConnection,
  onCleanup,
  once,
  pollingSession,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

// `conn.send(data, opts?, cb?)` as engine.io users call it: callbacks, every binary type sent
// as its exact bytes, null and empty messages.

afterEach(runCleanups);

function client(h: Harness, opts: Partial<SocketOptions>): EioSocket {
  const socket = new EioSocket(`http://127.0.0.1:${h.port}`, { path: "/socket.io/", ...opts });
  onCleanup(() => void socket.close());
  return socket;
}

const modes: [string, Partial<SocketOptions>][] = [
  ["websocket", { transports: ["websocket"] }],
  ["polling", { transports: ["polling"] }],
];

/** The bytes of whatever engine.io-client handed us (Buffer in Node). */
function bytes(data: unknown): number[] {
  if (data instanceof ArrayBuffer) return [...new Uint8Array(data)];
  if (ArrayBuffer.isView(data)) {
    return [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
  }
  throw new Error(`not binary: ${typeof data} ${String(data)}`);
}

describe.each(modes)("conn.send over %s", (_name, opts) => {
  it("sends ArrayBuffer, Int32Array, DataView and Buffer slices as binary, exact bytes", async () => {
    const h = await startEngine();
    const conn = nextConnection(h.engine);
    const socket = client(h, opts);
    const received = collect<unknown>(socket, "message");
    const c = await conn;
    const ints = Int32Array.from([1, -2, 0x01020304]);
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    c.send(ints);
    c.send(ints.buffer);
    c.send(new DataView(backing.buffer, 2, 3));
    c.send(Buffer.from([7, 8]).subarray(1));
    await until(() => received.length === 4);
    const intBytes = [...new Uint8Array(ints.buffer)];
    expect(bytes(received[0])).toEqual(intBytes);
    expect(bytes(received[1])).toEqual(intBytes);
    expect(bytes(received[2])).toEqual([1, 2, 3]);
    expect(bytes(received[3])).toEqual([8]);
  });

  it("calls the callback once written, with the transport; options may be skipped", async () => {
    const h = await startEngine();
    const conn = nextConnection(h.engine);
    const socket = client(h, opts);
    const received = collect<unknown>(socket, "message");
    const c = await conn;
    const calls: string[] = [];
    let transport: TransportInfo | undefined;
    expect(
      c.send("a", (t) => {
        transport = t;
        calls.push("a");
      }),
    ).toBe(c);
    c.send("b", { compress: false }, () => calls.push("b"));
    c.write("c", () => calls.push("c"));
    await until(() => calls.length === 3);
    expect(calls).toEqual(["a", "b", "c"]);
    expect(transport?.name).toBe(opts.transports?.[0]);
    await until(() => received.length === 3);
    expect(received).toEqual(["a", "b", "c"]);
  });

  it("send(null) and send('') deliver an empty message; a throwing callback is reported", async () => {
    const h = await startEngine();
    const errors = collect(h.engine, "error");
    const conn = nextConnection(h.engine);
    const socket = client(h, opts);
    const received = collect<unknown>(socket, "message");
    const c = await conn;
    c.send(null, () => {
      throw new Error("user callback");
    });
    c.send("");
    c.send("after");
    await until(() => received.length === 3);
    expect(received.slice(0, 2).map((m) => m ?? "")).toEqual(["", ""]);
    expect(received[2]).toBe("after");
    await until(() => errors.length === 1);
    expect(c.readyState).toBe("open");
  });
});

describe("empty and callback edge cases", () => {
  it("an empty message from the peer (`4`) is delivered as ''", async () => {
    const h = await startEngine();
    const conn = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const c = await conn;
    const messages = collect<unknown>(c, "message");
    await once(ws, "open");
    ws.send("4");
    ws.send("4x");
    await until(() => messages.length === 2);
    expect(messages.map(String)).toEqual(["", "x"]);
  });

  it("polling: callbacks of packets queued while no GET waits run when a GET carries them", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const calls: number[] = [];
    conn.send("one", () => calls.push(1));
    conn.send("two", () => calls.push(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([]);
    const body = await (await fetch(h.url(`transport=polling&sid=${sid}`))).text();
    expect(body).toBe("4one\x1e4two");
    await until(() => calls.length === 2);
    expect(calls).toEqual([1, 2]);
  });

  it("no callback for a session that closes before writing, nor after close", async () => {
    const h = await startEngine();
    const { conn } = await pollingSession(h);
    let called = 0;
    conn.send("never", () => called++);
    (conn as EngineConnection).close();
    conn.send("closed", () => called++);
    await new Promise((r) => setTimeout(r, 30));
    expect(called).toBe(0);
  });
});
