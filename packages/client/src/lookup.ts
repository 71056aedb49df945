import type { DefaultEventsMap, EventsMap } from "@parley/protocol";
import type { Manager } from "./manager.js";
import type { IoOptions, ManagerOptions } from "./options.js";
import type { Socket } from "./socket.js";
import { parseUri } from "./url.js";

export interface Io {
  <L extends EventsMap = DefaultEventsMap, E extends EventsMap = L>(
    uri?: string,
    opts?: Partial<IoOptions>,
  ): Socket<L, E>;
  <L extends EventsMap = DefaultEventsMap, E extends EventsMap = L>(
    opts: Partial<IoOptions>,
  ): Socket<L, E>;
}

/**
 * Builds `io()` for one Manager class (Node or browser). Managers are cached per server
 * origin and engine path, so the namespaces of one server share one connection, unless
 * `forceNew`, `multiplex: false`, or the namespace already has a socket on the cached one
 * (asking twice for the same namespace gives two independent sockets, as socket.io-client does).
 */
export function createLookup(
  ManagerClass: new (uri: string, opts: Partial<ManagerOptions>) => Manager,
): Io {
  const cache = new Map<string, Manager>();
  return ((uri?: string | Partial<IoOptions>, opts?: Partial<IoOptions>): Socket => {
    if (typeof uri === "object") {
      opts = uri;
      uri = undefined;
    }
    const options: Partial<IoOptions> = { ...opts };
    const parsed = parseUri(uri);
    if (parsed.query && options.query === undefined) options.query = parsed.query;
    const key = `${parsed.origin}${options.path ?? "/socket.io/"}`;
    const shared = !options.forceNew && options.multiplex !== false;
    let manager = cache.get(key);
    if (!shared || !manager || manager._has(parsed.nsp)) {
      const fresh = new ManagerClass(parsed.origin, options);
      if (shared && !manager) cache.set(key, fresh);
      manager = fresh;
    }
    return manager.socket(parsed.nsp, options);
  }) as Io;
}
