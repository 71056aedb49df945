/**
 * Entry of `socket.io.msgpack.min.js`: the global `io` of global.ts, with
 * socket.io-msgpack-parser built in as the default parser, as socket.io-client's bundle of
 * that name. It talks to servers that use the same parser (`parser: require("socket.io-msgpack-parser")`).
 */
import * as msgpack from "socket.io-msgpack-parser";
import { browserPlatform, type Platform } from "./engine/platform.js";
import { protocol } from "./exports.js";
import { createLookup } from "./lookup.js";
import { Manager as BaseManager } from "./manager.js";
import type { ManagerOptions } from "./options.js";
import { type Parser, parserSupport } from "./parser.js";
import { Socket } from "./socket.js";

const platform: Platform = { ...browserPlatform, parser: parserSupport };

class Manager extends BaseManager {
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>) {
    if (typeof uri === "object") {
      opts = uri;
      uri = undefined;
    }
    super(uri, { parser: msgpack as unknown as Parser, ...opts }, platform);
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
