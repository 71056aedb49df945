/**
 * Node entry point: WebSocket from the `ws` package, received binary as Buffer, and a cookie
 * jar per Manager with `withCredentials` (browsers keep cookies themselves). Browsers
 * (and bundlers that honour the `browser` export condition) get `browser.ts` instead, which
 * never imports `ws` or any Node module.
 */
import { nodePlatform } from "./engine/platform-node.js";
import { createLookup } from "./lookup.js";
import { Manager as BaseManager } from "./manager.js";
import type { ManagerOptions } from "./options.js";
import { assertSupportedOptions } from "./unsupported-options.js";

export * from "./exports.js";
export { type ReliableOptions, reliable } from "./reliable.js";

export class Manager extends BaseManager {
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>) {
    const options = (typeof uri === "object" ? uri : opts) ?? {};
    assertSupportedOptions(options, true);
    // withCredentials, autoUnref and the TLS options are read here, once (see nodePlatform).
    super(uri, opts, nodePlatform(options));
  }
}

export const io = createLookup(Manager);
export { io as connect };
export default io;
