// The server the Socket.IO v5 protocol suite expects (its spec's "Test suite" section), bound
// to 127.0.0.1 on the port run.mjs chose.

import { createServer } from "node:http";
import { port, requireFromScratch, target } from "./require.mjs";

const { Server } = requireFromScratch(target === "official" ? "socket.io" : "@parley/server");

const httpServer = createServer();
const io = new Server(httpServer, {
  pingInterval: 300,
  pingTimeout: 200,
  // The spec's sample says `maxPayload: 1000000`; the option socket.io reads is
  // maxHttpBufferSize (same value as its default).
  maxHttpBufferSize: 1e6,
  connectTimeout: 1000,
  cors: { origin: "*" },
});

io.on("connection", (socket) => {
  socket.emit("auth", socket.handshake.auth);
  socket.on("message", (...args) => {
    socket.emit("message-back", ...args);
  });
  socket.on("message-with-ack", (...args) => {
    const ack = args.pop();
    ack(...args);
  });
});

io.of("/custom").on("connection", (socket) => {
  socket.emit("auth", socket.handshake.auth);
});

httpServer.listen(port, "127.0.0.1", () => console.log(`listening ${port}`));
