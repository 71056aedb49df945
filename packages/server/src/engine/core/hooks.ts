import type { Connection, PacketInfo, PreparedMessage } from "./contract.js";

/**
 * Hooks at the engine's choke points. Each is one field read per packet or broadcast when
 * unset (`null`): no allocation, no call.
 */

/**
 * Sees every Engine.IO packet of every connection of an engine: `incoming` before the session
 * acts on a packet from the peer, `outgoing` as a packet is queued for the peer. engine.io's
 * per-connection `packet` / `packetCreate` events are this hook's other consumer: a session
 * routes each packet through one choke point that calls the engine's hook, if any, then emits
 * the event, if listened to. A hook that throws is reported (the engine's `error`), and the
 * packet goes on.
 */
export interface PacketHook {
  incoming(connection: Connection, packet: PacketInfo): void;
  outgoing(connection: Connection, packet: PacketInfo): void;
}

/**
 * A runtime's native topic publish, offered by an engine front to the adapter (Bun's
 * `server.publish(topic, data)` fans out in native code). The in-memory adapter asks it before
 * looping over a broadcast's recipients, and only for a broadcast with no per-recipient state:
 * one room, no `except`, not volatile, no ack. `publish` either delivers `message` to every
 * connection whose socket of namespace `nsp` is in `room`, exactly as one `sendPrepared` per
 * recipient would (order with the connection's other sends kept, polling members included),
 * and returns true; or does nothing and returns false, and the adapter delivers one by one.
 * The Node front has no native publish: `Engine#roomPublisher` is null there.
 *
 * Topic names are `roomTopic(nsp, room)`, so a front that subscribes connections (from the
 * adapter's `join-room` / `leave-room` events) and the publisher agree. The in-memory adapter
 * offers no publish to a room named after one of its sockets: a socket's own room needs no
 * topic (it delivers those one by one).
 */
export interface RoomPublisher {
  /**
   * `room` undefined: every socket of the namespace (`io.emit`), offered only to a publisher
   * that tracks membership itself (has `join`/`leave`).
   */
  publish(nsp: string, room: string | undefined, message: PreparedMessage): boolean;
  /**
   * Optional, for a front that tracks room membership itself rather than from the adapter's
   * events: the in-memory adapter calls it for every socket that joins a room (`room`
   * undefined: the socket entered the namespace). `socket` is the namespace's socket object.
   */
  join?(nsp: string, socket: { readonly id: string }, room: string | undefined): void;
  /** `socket` left `room` (undefined: it left the namespace, and every room). */
  leave?(nsp: string, socket: { readonly id: string }, room: string | undefined): void;
}

/** The runtime topic of a namespace's room: `<nsp>\u001f<room>` (never ambiguous: `\u001f` is in neither). */
export function roomTopic(nsp: string, room: string): string {
  return `${nsp}\u001f${room}`;
}
