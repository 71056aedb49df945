import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { Server, type ServerOptions } from "../src/index.js";
import { type Harness, next, startServer, until } from "./helpers.js";

// Every Socket.IO option is supported or refused at construction with the alternative named:
// never accepted and then ignored (docs/COMPATIBILITY.md has the whole table).

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("options Parley does not support throw at construction", () => {
  it("wsEngine, unless it is ws's own server", () => {
    const eiows = class FakeEiows {};
    expect(() => new Server({ wsEngine: eiows } as ServerOptions)).toThrow(
      /wsEngine is not supported: Parley runs on ws/,
    );
    expect(() => new Server({ wsEngine: WebSocketServer } as ServerOptions)).not.toThrow();
  });

  it("the webtransport transport", () => {
    const transports = ["polling", "websocket", "webtransport"] as never;
    expect(() => new Server({ transports })).toThrow(
      /webtransport.*use \["polling", "websocket"\]/,
    );
  });

  it("also when given to attach()", async () => {
    const io = new Server();
    const { createServer } = await import("node:http");
    expect(() => io.attach(createServer(), { wsEngine: class {} } as ServerOptions)).toThrow(
      /wsEngine/,
    );
  });

  it("attachApp (uWebSockets.js)", () => {
    expect(() => new Server().attachApp({})).toThrow(/attachApp\(\).*not supported.*attach\(\)/);
  });
});

describe("io.connectTimeout()", () => {
  it("reads and sets the delay for connections that join no namespace", async () => {
    h = await startServer();
    expect(h.io.connectTimeout()).toBe(45_000);
    expect(h.io.connectTimeout(50)).toBe(h.io);
    expect(h.io.connectTimeout()).toBe(50);
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=websocket`);
    ws.on("error", () => {});
    let closed = false;
    ws.on("close", () => {
      closed = true;
    });
    await next(ws, "open");
    await until(() => closed, "the connection closed for joining nothing");
  });
});
