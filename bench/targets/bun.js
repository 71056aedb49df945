// Target: Bun's native WebSocket server (Bun.serve), with topic publish for broadcast — the
// fan-out runs in native code. Speaks the minimal framing in mini-eio.js. Run with `bun`.

import { announceReady } from "./control.js";
import { onText, openPacket } from "./mini-eio.js";

/** @type {any} */
const Bun = /** @type {any} */ (globalThis).Bun;
let clients = 0;

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(/** @type {Request} */ req, /** @type {any} */ srv) {
    if (new URL(req.url).pathname.startsWith("/socket.io/") && srv.upgrade(req)) return;
    return new Response("not found", { status: 404 });
  },
  websocket: {
    perMessageDeflate: false,
    // Idle connections are the point of the memory scenario; do not let Bun reap them.
    idleTimeout: 960,
    open(/** @type {any} */ ws) {
      clients++;
      ws.subscribe("all");
      ws.send(openPacket());
    },
    message(/** @type {any} */ ws, /** @type {string | Buffer} */ message) {
      const text = typeof message === "string" ? message : message.toString();
      const reply = (/** @type {string} */ out) => ws.send(out);
      if (!onText(text, reply, broadcast)) ws.close();
    },
    close() {
      clients--;
    },
  },
});

/** @param {string} text */
function broadcast(text) {
  server.publish("all", text);
}

announceReady({ name: "bun", port: server.port, clients: () => clients });
