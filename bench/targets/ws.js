// Target: raw `ws` with a loop over clients for broadcast — the floor any Node framework on
// `ws` is measured against. Speaks the minimal framing in mini-eio.js.

import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { announceReady } from "./control.js";
import { onText, openPacket } from "./mini-eio.js";

const http = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server: http, path: "/socket.io/", perMessageDeflate: false });

/** @param {string} text */
function broadcast(text) {
  for (const client of wss.clients) client.send(text);
}

wss.on("connection", (ws) => {
  const reply = (/** @type {string} */ text) => ws.send(text);
  ws.on("message", (data) => {
    if (!onText(data.toString(), reply, broadcast)) ws.close();
  });
  ws.send(openPacket());
});

http.listen(0, "127.0.0.1", () => {
  const address = http.address();
  announceReady({
    name: "ws",
    port: typeof address === "object" && address !== null ? address.port : 0,
    clients: () => wss.clients.size,
  });
});
