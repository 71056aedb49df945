import { Engine } from "@parley/server/engine";
import { Socket as EioSocket, type SocketOptions } from "engine.io-client";
import { afterEach, describe, expect, it } from "vitest";
import {
  collect,
  type Harness,
  onCleanup,
  once,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

afterEach(runCleanups);

function client(h: Harness, opts: Partial<SocketOptions>): EioSocket {
  const socket = new EioSocket(`http://127.0.0.1:${h.port}`, { path: "/socket.io/", ...opts });
  onCleanup(() => void socket.close());
  return socket;
}

const modes: [string, Partial<SocketOptions>][] = [
  ["websocket only", { transports: ["websocket"] }],
  ["polling only", { transports: ["polling"] }],
  ["polling then upgrade", { transports: ["polling", "websocket"] }],
];

describe("official engine.io-client against Engine", () => {
  it("the subpath export resolves to the same Engine", async () => {
    const { Engine: FromSrc } = await import("../../src/engine/index.js");
    expect(Engine).toBe(FromSrc);
  });

  for (const [name, opts] of modes) {
    it(`${name}: echo of text and binary with the documented one-liner`, async () => {
      const h = await startEngine({ pingInterval: 200, pingTimeout: 400 });
      h.engine.on("connection", (s) => s.on("message", (d) => s.send(d)));
      const socket = client(h, opts);
      await once(socket, "open");
      if (opts.transports?.length === 2) await once(socket, "upgrade");
      expect(socket.transport.name).toBe(opts.transports?.at(-1));
      const got = collect<unknown>(socket, "message");
      socket.send("hello");
      socket.send("wörld ✓");
      socket.send(new Uint8Array([0, 1, 254, 255]));
      await until(() => got.length === 3);
      expect(got[0]).toBe("hello");
      expect(got[1]).toBe("wörld ✓");
      // engine.io-client gives Node binary as a Buffer (polling decodes base64 to one too).
      expect([...new Uint8Array(got[2] as ArrayBuffer)]).toEqual([0, 1, 254, 255]);
      expect(h.engine.clientsCount).toBe(1);
      // Survive a few heartbeats.
      await new Promise((r) => setTimeout(r, 500));
      expect(socket.readyState).toBe("open");
      const closed = collect<string>([...h.engine.clients.values()][0] as never, "close");
      socket.close();
      await until(() => closed.length === 1);
      expect(closed[0]).toBe("transport close");
    });
  }

  it("server-initiated close reaches the client", async () => {
    const h = await startEngine();
    h.engine.on("connection", (s) => setTimeout(() => s.close(), 20));
    const socket = client(h, { transports: ["polling"] });
    const reason = await once<string>(socket, "close");
    expect(reason).toBe("transport close");
  });

  it("a burst of messages keeps order over polling→websocket", async () => {
    const h = await startEngine();
    h.engine.on("connection", (s) => {
      for (let i = 0; i < 200; i++) s.send(String(i));
      s.on("upgrade", () => {
        for (let i = 200; i < 400; i++) s.send(String(i));
      });
    });
    const socket = client(h, { transports: ["polling", "websocket"] });
    const got = collect<string>(socket, "message");
    await until(() => got.length === 400);
    expect(got.map(Number)).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });
});
