import { afterEach, describe, expect, it } from "vitest";
import type { EngineConnection } from "../src/engine/index.js";
import type { Socket } from "../src/index.js";
import { type Harness, next, startServer, TRANSPORT_MODES, until } from "./helpers.js";

// The Socket.IO layer hears its Engine.IO connection through a direct owner hook, and a
// session's `_events` is not Node's usual null-prototype literal: user listeners on
// `io.engine`'s connections must see exactly what they saw before.

describe.each(TRANSPORT_MODES)("engine connection listeners over $mode", ({ client }) => {
  let h: Harness;
  afterEach(() => h?.close());

  it("message, close and packet listeners work next to the Socket.IO layer", async () => {
    h = await startServer({}, client);
    const messages: string[] = [];
    const closes: string[] = [];
    const order: string[] = [];
    let packets = 0;
    const conns: EngineConnection[] = [];
    h.io.engine.on("connection", (conn) => {
      conns.push(conn);
      conn.on("message", (data) => messages.push(String(data)));
      conn.on("close", (reason) => {
        closes.push(reason);
        order.push("conn close");
      });
      conn.on("packet", () => packets++);
    });
    const connected = next<[Socket]>(h.io, "connection");
    const c = h.client("/");
    const [s] = await connected;
    s.on("disconnect", () => order.push("socket disconnect"));
    const got = next<[string]>(s, "hello");
    c.emit("hello", "world");
    expect(await got).toEqual(["world"]);
    expect(messages).toContain("0");
    expect(messages).toContain('2["hello","world"]');
    expect(conns[0]?.listenerCount("message")).toBe(1);
    expect(conns[0]?.eventNames()).toEqual(["message", "close", "packet"]);
    c.disconnect();
    await until(() => closes.length === 1, "close");
    expect(closes).toEqual(["transport close"]);
    // The Socket.IO layer hears the close first, as when it was the first listener.
    expect(order).toEqual(["socket disconnect", "conn close"]);
    // engine.io's `packet` event: every packet the peer sent (CONNECT, the event, …).
    expect(packets).toBeGreaterThanOrEqual(2);
  });

  it("a session is an ordinary EventEmitter, odd event names included", async () => {
    h = await startServer({}, client);
    const connection = next<[EngineConnection]>(h.io.engine, "connection");
    h.client("/");
    const [conn] = await connection;
    expect(conn.listenerCount("message")).toBe(0);
    expect(conn.eventNames()).toEqual([]);
    const names = ["__proto__", "toString", "constructor", "hasOwnProperty"] as const;
    const seen: string[] = [];
    const emitter = conn as unknown as {
      on(ev: string, fn: (v: string) => void): unknown;
      once(ev: string, fn: (v: string) => void): unknown;
      off(ev: string, fn: (v: string) => void): unknown;
      emit(ev: string, v: string): boolean;
      listenerCount(ev: string): number;
      removeAllListeners(ev?: string): unknown;
    };
    for (const name of names) expect(emitter.listenerCount(name)).toBe(0);
    const record = (v: string) => seen.push(v);
    for (const name of names) emitter.on(name, record);
    emitter.once("toString", (v) => seen.push(`once ${v}`));
    expect(emitter.emit("__proto__", "a")).toBe(true);
    expect(emitter.emit("toString", "b")).toBe(true);
    expect(emitter.emit("toString", "c")).toBe(true);
    expect(emitter.emit("valueOf", "d")).toBe(false);
    expect(seen).toEqual(["a", "b", "once b", "c"]);
    expect(Object.getPrototypeOf(conn)).not.toBe(null);
    expect(conn.eventNames()).toEqual([...names]);
    emitter.off("__proto__", record);
    expect(emitter.listenerCount("__proto__")).toBe(0);
    expect(emitter.emit("__proto__", "e")).toBe(false);
    emitter.removeAllListeners();
    expect(conn.eventNames()).toEqual([]);
    for (const name of names) expect(emitter.emit(name, "f")).toBe(false);
    expect(seen).toEqual(["a", "b", "once b", "c"]);
  });
});
