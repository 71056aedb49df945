// Target: Parley (@parley/server from its built dist), with the same user code as the
// socket.io target.

import { createServer } from "node:http";
import { Server } from "@parley/server";
import { announceReady } from "./control.js";
import { attachConvention } from "./convention.js";

const http = createServer();
const io = new Server(http, { serveClient: false });
attachConvention(io);

http.listen(0, "127.0.0.1", () => {
  const address = http.address();
  announceReady({
    name: "parley",
    port: typeof address === "object" && address !== null ? address.port : 0,
    clients: () => io.of("/").sockets.size,
  });
});
