// The server the Engine.IO v4 protocol suite expects (its spec's "Test suite" section): an
// engine on /engine.io/ with pingInterval 300, pingTimeout 200, 1 MB payloads, CORS for any
// origin, echoing every message (allowEIO3 too for the optional v3 suite). Bound to 127.0.0.1
// on the port run.mjs chose.

import { createServer } from "node:http";
import { port, requireFromScratch, target } from "./require.mjs";

const options = {
  pingInterval: 300,
  pingTimeout: 200,
  // The spec's sample says `maxPayload: 1e6`; the option engine.io reads is maxHttpBufferSize.
  maxHttpBufferSize: 1e6,
  cors: { origin: "*" },
  // The Engine.IO v3 suite's server is the same one with v3 clients allowed.
  ...(process.env.UPSTREAM_EIO3 ? { allowEIO3: true } : {}),
};

const httpServer = createServer((_req, res) => {
  res.writeHead(404);
  res.end();
});

if (target === "official") {
  const { Server } = requireFromScratch("engine.io");
  const engine = new Server(options);
  engine.attach(httpServer);
  engine.on("connection", (socket) => socket.on("message", (data) => socket.send(data)));
} else {
  const { Engine } = requireFromScratch("@parley/server/engine");
  // engine.io's default path is /engine.io/, Parley's /socket.io/: the suite wants the former.
  const engine = new Engine({ ...options, path: "/engine.io/" });
  engine.attach(httpServer);
  engine.on("connection", (conn) => conn.on("message", (data) => conn.send(data)));
}

httpServer.listen(port, "127.0.0.1", () => console.log(`listening ${port}`));
