/**
 * Entry of the IIFE bundle (`socket.io.js`, `socket.io.min.js`): defines the global `io`,
 * with `io.Manager`, `io.Socket`, `io.io` and `io.connect`, as socket.io-client's bundle does.
 */
import { io, Manager, protocol, Socket } from "./browser.js";

(globalThis as { io?: unknown }).io = Object.assign(io, {
  Manager,
  Socket,
  io,
  connect: io,
  protocol,
});
