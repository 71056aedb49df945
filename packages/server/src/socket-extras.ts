import type { AckRegistry } from "./acks.js";
import type { NotRestored, RestoredSession } from "./adapter/adapter.js";
import type { CatchAllListeners } from "./catch-all-listeners.js";
import type { MiddlewareFn } from "./middleware.js";
import type { ReliableChannel } from "./reliable/channel.js";
import type { Event } from "./socket-types.js";

/**
 * What few sockets use (acks they asked for, `socket.use`, `onAny`, `onAnyOutgoing`,
 * `socket.reliable`, a recovered session), in one object a socket makes on first use: an idle
 * socket keeps one field for all of them rather than one each (see `Socket`).
 */
export class SocketExtras {
  acks: AckRegistry | undefined = undefined;
  fns: MiddlewareFn<Event>[] | undefined = undefined;
  any: CatchAllListeners | undefined = undefined;
  anyOutgoing: CatchAllListeners | undefined = undefined;
  /**
   * At-least-once delivery (`socket.reliable`): made on first use, or at once for a client
   * that announced it deduplicates.
   */
  reliable: ReliableChannel | undefined = undefined;
  /**
   * What the recovered session brings back, until `_onconnect` applies it; or why the
   * session the client asked for was not restored, until `_onconnect` tells the client.
   */
  restored: RestoredSession | NotRestored | undefined = undefined;
}
