import type { Adapter, AdapterNamespace } from "../adapter.js";
import { SocketIoAdapterHost } from "./host.js";
import { NamespaceView } from "./namespace-view.js";
import type { SocketIoAdapter } from "./types.js";

export { SocketIoAdapterHost } from "./host.js";
export type * from "./types.js";

/** What socket.io-adapter 2.5 has that Parley calls (older versions lack some). */
const REQUIRED_METHODS = [
  "addAll",
  "del",
  "delAll",
  "broadcast",
  "broadcastWithAck",
  "sockets",
  "socketRooms",
  "fetchSockets",
  "addSockets",
  "delSockets",
  "disconnectSockets",
  "serverSideEmit",
  "persistSession",
  "restoreSession",
  "serverCount",
  "_encode",
] as const;

/**
 * An adapter built on socket.io-adapter (any version): it keeps socket.io's `server.encoder`
 * and broadcasts by itself. Parley's adapters have no `encoder`.
 */
export function isSocketIoAdapter(adapter: object): boolean {
  return (
    "encoder" in adapter && typeof (adapter as { broadcast?: unknown }).broadcast === "function"
  );
}

/**
 * Wraps what `io.adapter()`'s class or factory made for `nsp`: Parley's adapters as they are,
 * socket.io-adapter-based ones in a `SocketIoAdapterHost`. Only the latter costs anything.
 *
 * A factory (`createAdapter(...)` of the `@socket.io/*` packages) cannot be told apart before
 * it runs, so these adapters are built with Parley's namespace, then pointed at the view made
 * for them. That is sound because socket.io-adapter's constructors (and those of the adapters
 * above) only read `nsp.name` and `nsp.server.encoder` (undefined here, replaced below).
 */
export function hostAdapter(created: Adapter | SocketIoAdapter, nsp: AdapterNamespace): Adapter {
  if (!isSocketIoAdapter(created)) return created as Adapter;
  const adapter = created as SocketIoAdapter;
  const missing = REQUIRED_METHODS.filter(
    (name) => typeof (adapter as unknown as Record<string, unknown>)[name] !== "function",
  );
  if (missing.length > 0) {
    throw new TypeError(
      `option adapter: this adapter is built on a socket.io-adapter older than 2.5 (it lacks ${missing.join(", ")}); ` +
        "upgrade it (@socket.io/redis-adapter 8.x, @socket.io/mongo-adapter 0.3+, …) or use " +
        "@parley/redis-adapter's createAdapter",
    );
  }
  const view = new NamespaceView(nsp);
  const repointed = adapter as unknown as { nsp: unknown; encoder: unknown };
  repointed.nsp = view;
  repointed.encoder = view.server.encoder;
  return new SocketIoAdapterHost(adapter, nsp, view);
}
