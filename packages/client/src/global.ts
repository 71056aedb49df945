/**
 * Entry of the default IIFE bundle (`socket.io.js`, `socket.io.min.js`): defines the global
 * `io`, with `io.Manager`, `io.Socket`, `io.io` and `io.connect`, as socket.io-client's bundle
 * does. Parley's own codec only: custom parsers (the `parser` option) would cost every page
 * their adapter, so this bundle refuses the option (see global-msgpack.ts for msgpack).
 */
import { browserPlatform } from "./engine/platform.js";
import { protocol } from "./exports.js";
import { createLookup } from "./lookup.js";
import { Manager as BaseManager } from "./manager.js";
import type { ManagerOptions } from "./options.js";
import { Socket } from "./socket.js";

class Manager extends BaseManager {
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>) {
    super(uri, opts, browserPlatform);
  }
}

const io = createLookup(Manager);

(globalThis as { io?: unknown }).io = Object.assign(io, {
  Manager,
  Socket,
  io,
  connect: io,
  protocol,
});
