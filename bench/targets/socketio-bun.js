// Target: socket.io 4.8 on Bun, through socket.io's own Bun engine (`@socket.io/bun-engine`:
// Bun.serve with Bun's native WebSocket, in place of engine.io on node:http and ws). The same
// user code as every other socket.io-API target. Run with `bun`.

import { Server as Engine } from "@socket.io/bun-engine";
import { Server } from "socket.io";
import { announceReady } from "./control.js";
import { attachConvention } from "./convention.js";

/** @type {any} */
const Bun = /** @type {any} */ (globalThis).Bun;

const io = new Server({ serveClient: false });
const engine = new Engine({ path: "/socket.io/" });
io.bind(/** @type {any} */ (engine));
attachConvention(io);

const handler = engine.handler();
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  ...handler,
  // The engine sets Bun's idle timeout from pingInterval; the memory scenario holds idle
  // connections that answer pings, so that timeout never fires for a live client anyway.
  websocket: { ...handler.websocket, perMessageDeflate: false },
});

announceReady({
  name: "socket.io on bun",
  port: server.port,
  clients: () => io.of("/").sockets.size,
});
