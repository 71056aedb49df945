// Target: Parley (@parley/server from its built dist) on Bun: `io.listen(port)` serves through
// Bun.serve and Bun's native WebSocket when it runs under Bun, with the same user code as the
// Node targets. Run with `bun`.

import { Server } from "@parley/server";
import { announceReady } from "./control.js";
import { attachConvention } from "./convention.js";

const io = new Server({ serveClient: false });
attachConvention(io);
io.listen(0);

const port = io.bunServer?.port;
if (typeof port !== "number") {
  console.error("@parley/server did not start Bun.serve (io.bunServer is unset)");
  process.exit(2);
}
announceReady({ name: "parley on bun", port, clients: () => io.of("/").sockets.size });
