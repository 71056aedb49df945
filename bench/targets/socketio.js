// Target: socket.io 4.8 (with bufferutil, as installed), default options except the bundled
// client file, which the bench never requests.

import { createServer } from "node:http";
import { Server } from "socket.io";
import { announceReady } from "./control.js";
import { attachConvention } from "./convention.js";

const http = createServer();
const io = new Server(http, { serveClient: false });
attachConvention(io);

http.listen(0, "127.0.0.1", () => {
  const address = http.address();
  announceReady({
    name: "socket.io",
    port: typeof address === "object" && address !== null ? address.port : 0,
    clients: () => io.of("/").sockets.size,
  });
});
