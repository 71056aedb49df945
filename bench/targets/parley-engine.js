// Diagnostic target, not in the registry: Parley's Engine.IO layer alone
// (`@parley/server/engine`), answering the Socket.IO namespace CONNECT by hand like the raw
// targets do. Against `parley` and `ws` in `bench/tools/connect-cpu.js` it splits a
// connection's server CPU between the engine and the Socket.IO layer:
//
//   node bench/tools/connect-cpu.js parley,bench/targets/parley-engine.js,ws 2000 5

import { createServer } from "node:http";
import { Engine } from "@parley/server/engine";
import { announceReady } from "./control.js";

let nextSid = 0;
let connected = 0;
const http = createServer();
const engine = new Engine({});
engine.attach(http);
engine.on("connection", (conn) => {
  connected++;
  conn.on("message", (data) => {
    // Engine messages arrive without the Engine.IO "4": a namespace CONNECT is "0…".
    if (typeof data === "string" && data.startsWith("0")) {
      conn.send(`0{"sid":"${(++nextSid).toString(36).padStart(8, "0")}"}`);
    }
  });
  conn.on("close", () => connected--);
});

http.listen(0, "127.0.0.1", () => {
  const address = http.address();
  announceReady({
    name: "parley-engine",
    port: typeof address === "object" && address !== null ? address.port : 0,
    clients: () => connected,
  });
});
