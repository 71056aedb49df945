import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { nextConnection, once, runCleanups, startEngine, until } from "./helpers.js";

afterEach(runCleanups);

// The engine's own `error` listener on an upgraded socket is dropped once ws has put its
// own there (memory): a socket error must still end only that session, never the process.

describe("errors on an upgraded socket", () => {
  it("a WebSocket session's socket error closes that session and nothing throws", async () => {
    const h = await startEngine();
    const sockets: Duplex[] = [];
    h.server.on("upgrade", (_req, socket: Duplex) => sockets.push(socket));
    const connected = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    ws.on("error", () => {});
    const conn = await connected;
    const closed = once<string>(conn, "close");
    const socket = sockets[0] as Duplex;
    expect(socket.listenerCount("error")).toBeGreaterThan(0);
    expect(() => socket.emit("error", new Error("ECONNRESET"))).not.toThrow();
    expect(await closed).toMatch(/transport (close|error)/);
    // Late errors after the close are absorbed too.
    expect(() => socket.emit("error", new Error("late"))).not.toThrow();
    await until(() => ws.readyState === WebSocket.CLOSED);
  });

  it("the same on a polling session's upgrade probe", async () => {
    const h = await startEngine();
    const sockets: Duplex[] = [];
    h.server.on("upgrade", (_req, socket: Duplex) => sockets.push(socket));
    const connected = nextConnection(h.engine);
    const res = await fetch(h.url("transport=polling"));
    const sid = JSON.parse((await res.text()).slice(1)).sid as string;
    const conn = await connected;
    const ws = new WebSocket(h.wsUrl(`transport=websocket&sid=${sid}`));
    ws.on("error", () => {});
    await once(ws, "open");
    await until(() => sockets.length === 1 && conn.readyState === "open");
    const socket = sockets[0] as Duplex;
    expect(() => socket.emit("error", new Error("ECONNRESET"))).not.toThrow();
    await until(() => ws.readyState === WebSocket.CLOSED);
    // The probe failed; the polling session lives on.
    expect(conn.readyState).toBe("open");
    expect(conn.transport.name).toBe("polling");
  });
});
