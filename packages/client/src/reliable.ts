import { type EventsMap, RELIABLE_AUTH_KEY, RELIABLE_EVENT } from "@parley/protocol";
import { type AnyListener, callAll } from "./emitter.js";
import type { AuthData } from "./options.js";
import type { Socket } from "./socket.js";

export interface ReliableOptions {
  /**
   * How many message ids are remembered for deduplication (default 1000). Keep it at least
   * the server's `maxReliablePerSocket`: a packet is redelivered only while unacknowledged,
   * and a session never has more of those.
   */
  window?: number;
}

/**
 * Opts a socket in to deduplicated reliable delivery from a Parley server
 * (`socket.reliable.emit` there): each such packet reaches this socket's listeners once,
 * however often it is redelivered after reconnections or server failover, and is
 * acknowledged right after its listeners ran. Call it right after `io()`, before the socket
 * connects: the server learns of it from the CONNECT packet.
 *
 * ```ts
 * const socket = reliable(io("https://example.com"));
 * socket.on("order", (order) => show(order)); // once per order
 * ```
 *
 * How: the socket announces `{ "parley:reliable": <highest id seen> }` in its CONNECT data
 * (beside `auth`), and the server then sends reliable packets as the event
 * `"parley:reliable"` with `(id, event, ...args)`; this module unwraps them. Listeners get a
 * last argument, the ack, as official clients' listeners do: calling it is optional here.
 * `onAny` listeners see the wrapped form. A server that is not Parley ignores the
 * announcement (and sends no reliable packets).
 *
 * Memory: `window` ids. The ids a session uses grow from the highest one announced, so a
 * new session never reuses an id still remembered.
 */
export function reliable<L extends EventsMap, E extends EventsMap, S extends Socket<L, E>>(
  socket: S,
  opts: ReliableOptions = {},
): S {
  const window = Math.max(1, opts.window ?? 1000);
  // Insertion-ordered: the oldest id is the first one, dropped past `window`.
  const seen = new Set<number>();
  let highest = 0;
  const auth = socket.auth;
  socket.auth = (send: (data: AuthData) => void) => {
    const announce = (data?: AuthData) => send({ ...data, [RELIABLE_AUTH_KEY]: highest });
    if (typeof auth === "function") auth(announce);
    else announce(auth);
  };
  const listener = (...args: unknown[]) => {
    const ack = args.pop();
    const [seq, event, ...rest] = args;
    if (typeof ack !== "function" || typeof seq !== "number" || typeof event !== "string") {
      return;
    }
    if (!seen.has(seq)) {
      seen.add(seq);
      if (seen.size > window) seen.delete(seen.values().next().value as number);
      if (seq > highest) highest = seq;
      const listeners = (socket.listeners as (ev: string) => AnyListener[])(event);
      // The ack goes after the listeners ran (below); theirs is a no-op kept for handlers
      // written for official clients, which must call it.
      callAll(listeners, [...rest, () => {}], socket);
    }
    (ack as () => void)();
  };
  (socket.on as (ev: string, fn: AnyListener) => S)(RELIABLE_EVENT, listener);
  return socket;
}
