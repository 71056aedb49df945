import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { BunWebSocket } from "./bun/bun-runtime.js";

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

/**
 * A relayed WebSocket on Bun: the edge's end of a connection whose session another node owns.
 * The relay made it once the owner accepted the upgrade; the engine then upgrades the client's
 * request (`server.upgrade`) and hands it Bun's events for that connection.
 */
export interface BunRelayedSocket {
  /** Headers for the client's 101 (the owner's end-to-end ones: its hooks' headers). */
  readonly headers: Headers;
  /** The client's WebSocket is open: frames may flow both ways. */
  open(ws: BunWebSocket<unknown>): void;
  onMessage(message: string | Uint8Array): void;
  onClose(code: number, reason: string): void;
  onDrain(): void;
  /** The client's upgrade did not happen: drop the relayed connection. */
  abort(): void;
}

/**
 * The session relay on Bun (see `SessionRelay`; same rules): `relayFetch` takes a polling
 * request or WebSocket upgrade naming `sid`, unknown here, and returns `null` to let the
 * engine refuse it, or the answer to come: the owner's `Response`, or for an upgrade the
 * owner accepted, the connection to bridge.
 */
export interface BunSessionRelay {
  relayFetch(
    request: Request,
    sid: string,
    upgrade: boolean,
  ): Promise<Response | BunRelayedSocket> | null;
  /**
   * Called by `io.close()`: on Bun there is no HTTP server whose `close` event ends the relay,
   * as on Node.
   */
  close?(): Promise<void> | void;
}
