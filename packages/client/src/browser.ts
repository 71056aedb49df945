/**
 * Browser entry point: the page's WebSocket (polling only when there is none), received
 * binary as ArrayBuffer. Nothing here imports Node modules or `ws`.
 */
import { browserPlatform } from "./engine/platform.js";
import { createLookup } from "./lookup.js";
import { Manager as BaseManager } from "./manager.js";
import type { ManagerOptions } from "./options.js";

export * from "./exports.js";

export class Manager extends BaseManager {
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>) {
    super(uri, opts, browserPlatform);
  }
}

export const io = createLookup(Manager);
export { io as connect };
export default io;
