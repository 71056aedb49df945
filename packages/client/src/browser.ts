/**
 * Browser entry point for bundlers (the package's `browser` condition): the page's WebSocket
 * (polling only when there is none), received binary as ArrayBuffer, custom parsers. Nothing
 * here imports Node modules or `ws`. The prebuilt bundles have entries of their own
 * (global.ts, global-msgpack.ts).
 */
import { browserPlatform, type Platform } from "./engine/platform.js";
import { createLookup } from "./lookup.js";
import { Manager as BaseManager } from "./manager.js";
import type { ManagerOptions } from "./options.js";
import { parserSupport } from "./parser.js";
import { assertSupportedOptions } from "./unsupported-options.js";

export * from "./exports.js";
export { type ReliableOptions, reliable } from "./reliable.js";

const platform: Platform = { ...browserPlatform, parser: parserSupport };

export class Manager extends BaseManager {
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>) {
    assertSupportedOptions(typeof uri === "object" ? uri : opts, false);
    super(uri, opts, platform);
  }
}

export const io = createLookup(Manager);
export { io as connect };
export default io;
