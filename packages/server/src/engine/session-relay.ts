import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/**
 * Where requests for sessions of other nodes go (a cluster without sticky sessions).
 *
 * The engine consults it only for a request that names a `sid` absent from its own session
 * table, after CORS and the transport checks. A relay that returns `true` has taken the
 * request: from then on it answers it (or the upgrade) however things turn out — the owner's
 * answer, or an error when the owner goes away. Returning `false` lets the engine refuse the
 * request as usual (400 `{"code":1,"message":"Session ID unknown"}`), so the client starts a
 * new session. Both methods are synchronous: the relay decides from what it already knows
 * (which nodes are alive), never with a round trip per request.
 */
export interface SessionRelay {
  /** A polling GET or POST for `sid`. */
  relayRequest(req: IncomingMessage, res: ServerResponse, sid: string): boolean;
  /** A WebSocket upgrade for `sid` (the probe of a polling session). */
  relayUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, sid: string): boolean;
}
