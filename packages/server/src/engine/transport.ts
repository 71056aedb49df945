import type { EnginePacket } from "@parley/protocol";
import type { ConnectionCloseReason, PreparedMessage, TransportName } from "./contract.js";

/** One Engine.IO packet on its way out, with its send options. */
export interface OutgoingPacket extends EnginePacket {
  compress?: boolean;
}

/** What a session hands a transport: single packets, or broadcasts encoded once for everyone. */
export type OutgoingItem = OutgoingPacket | PreparedMessage;

export function isPrepared(item: OutgoingItem): item is PreparedMessage {
  return "frames" in item;
}

/**
 * How a transport reports to its session. The session is the sink (plain methods, no
 * per-connection closures); a transport passes itself so the session can tell its current
 * transport from an upgrade probe or a discarded one.
 */
export interface TransportSink {
  /** A decoded packet from the peer, in arrival order. */
  onTransportPacket(transport: Transport, packet: EnginePacket): void;
  /** The transport failed (bad input, write error, protocol violation); it is already closing. */
  onTransportError(transport: Transport, reason: ConnectionCloseReason, error: Error): void;
  /** The peer closed the transport. */
  onTransportClose(transport: Transport): void;
  /** The transport can take a `write` now (a polling GET arrived). */
  onTransportReady(transport: Transport): void;
  /** What was written has been handed to the operating system. */
  onTransportDrain(transport: Transport): void;
}

/**
 * The small contract every transport keeps. Guarantees: `write` keeps item order; after
 * `close` it reports nothing more to its sink.
 */
export interface Transport {
  readonly name: TransportName;
  /** Whether a `write` would reach the peer now (polling: a GET is waiting). */
  readonly writable: boolean;
  /** Bytes handed to the transport and not yet to the operating system. */
  bufferedBytes(): number;
  /**
   * Writes the items (one polling response, or WebSocket frames). Only when `writable`.
   * `done` runs once they are all written (the response sent, the frames handed to the
   * socket), not on failure.
   */
  write(items: readonly OutgoingItem[], done?: () => void): void;
  /** Closes quietly; a polling GET still waiting is answered with a `close` packet. */
  close(): void;
}
