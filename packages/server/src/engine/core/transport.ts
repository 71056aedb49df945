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
 * The whole contract a session has with a transport, whatever the runtime: the session
 * never asks which transport it holds (no names, no casts), only what it can do. Guarantees:
 * `write`/`writeItem` keep item order (across calls too); after `close` or `discard` the
 * transport reports nothing more to its sink; `done` callbacks run in write order.
 */
export interface Transport {
  /** For users (`conn.transport.name`, engine.io's) and logs; never branched on by the core. */
  readonly name: TransportName;
  /**
   * A persistent full-duplex channel (WebSocket): a write goes out at once, whether or not
   * the peer asked, and closing the transport tells the peer. False for request/response
   * transports (polling): writes wait for the peer's next request, a session batches what one
   * tick sends into one response, and a `close` packet is what tells the peer.
   */
  readonly duplex: boolean;
  /**
   * The transports a session on this one may upgrade to (polling: `["websocket"]`), as the
   * OPEN packet's `upgrades` lists them (filtered by the engine's `transports` option).
   */
  readonly upgradesTo: readonly TransportName[];
  /** Whether a `write` would reach the peer now (polling: a GET is waiting). */
  readonly writable: boolean;
  /** Reports to `sink` from now on (the session, or a session probing with it). */
  bind(sink: TransportSink): void;
  /** Bytes handed to the transport and not yet to the operating system. */
  bufferedBytes(): number;
  /**
   * Writes the items (one polling response, or WebSocket frames). Only when `writable`.
   * `done` runs once they are all written (the response sent, the frames handed to the
   * socket), not on failure.
   */
  write(items: readonly OutgoingItem[], done?: () => void): void;
  /**
   * Writes one item (a `duplex` transport's direct path: no batch array per send).
   * `notifyDrain` asks for the sink's `onTransportDrain` once it is written; `done` runs then.
   */
  writeItem(item: OutgoingItem, notifyDrain: boolean, done?: () => void): void;
  /**
   * Leaves the session for the transport that replaced it (an upgrade): a polling GET still
   * waiting is released with a `noop`; nothing more is reported.
   */
  discard(): void;
  /** Closes quietly; a polling GET still waiting is answered with a `close` packet. */
  close(): void;
}
