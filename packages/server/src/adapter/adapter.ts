import type { EventEmitter } from "node:events";
import type { Packet, RawData } from "@parley/protocol";
import type { PreparedMessage } from "../engine/contract.js";
import type { RoomPublisher } from "../engine/core/hooks.js";
import type { ReliableStore } from "../reliable/store.js";
import type { Handshake } from "../socket-types.js";
import type { SocketIoAdapter, SocketIoAdapterConstructor } from "./socketio-compat/types.js";

/** A room name. Every socket is in the room named after its own id. */
export type Room = string;
/** A Socket.IO socket id (not the Engine.IO session id). */
export type SocketId = string;

export interface BroadcastFlags {
  /** May be dropped for a recipient whose connection is not writable or over its buffer. */
  volatile?: boolean;
  /** Ask the transport to compress (default true). */
  compress?: boolean;
  /** Only this server's sockets: a cluster adapter must not forward the operation. */
  local?: boolean;
  /** Milliseconds a broadcast with an ack waits for every reply. */
  timeout?: number;
  /** A broadcast aimed at one socket (`remoteSocket.emit`): the ack gets one reply, not an array. */
  expectSingleResponse?: boolean;
}

/** Which sockets an operation targets: those in any of `rooms` (all when empty) minus `except`. */
export interface BroadcastOptions {
  rooms: ReadonlySet<Room>;
  except?: ReadonlySet<Room>;
  flags?: BroadcastFlags;
}

/** The secret a client presents to take its session back (connection state recovery). */
export type PrivateSessionId = string;

/** Connection state recovery settings, resolved from the server's `connectionStateRecovery`. */
export interface RecoveryOptions {
  /** Milliseconds a disconnected session (and the packets it may miss) are kept. */
  readonly maxDisconnectionDuration: number;
  /** A recovered socket skips the namespace's middleware. */
  readonly skipMiddlewares: boolean;
  /** Disconnected sessions kept per namespace; past it the oldest is forgotten. */
  readonly maxSessions: number;
  /** Packets kept for replay per namespace; past it the oldest is dropped. */
  readonly maxPackets: number;
  /** Encoded bytes of those packets per namespace; past it the oldest are dropped. */
  readonly maxBytes: number;
  /** Reliable packets one session may have unacknowledged (default 1000). */
  readonly maxReliablePerSocket?: number;
}

/** What a socket leaves behind when its connection drops abruptly. */
export interface PersistedSession {
  sid: SocketId;
  pid: PrivateSessionId;
  rooms: Room[];
  data: unknown;
  /**
   * When the session began (ms since the epoch, the clock of the server its first socket
   * connected to): where a restore without an offset replays from (`FROM_SESSION_START`).
   * Absent from sessions that socket.io's adapters give back.
   */
  since?: number;
}

/**
 * The offset a client presents when it received no packet that carried one (nothing was sent
 * to it with an offset since its session began): a restore then replays every packet kept
 * since the session began (`PersistedSession.since`). socket.io does not restore such a
 * client; an adapter that cannot tell what it missed answers null or a `NotRestored`.
 */
export const FROM_SESSION_START = "";

/**
 * A session taken back: its state, and the packets its socket missed since the client's
 * offset, in order, each as its encoded frames (with its own offset as last argument).
 */
export interface RestoredSession extends PersistedSession {
  missedPackets: (readonly RawData[])[];
}

/**
 * Why a client that asked to recover its session got a new one instead. Stable codes: the
 * client reads them (see "Connection state recovery" in docs/ARCHITECTURE.md).
 * - `session_unknown`: no server holds the session (never existed, already taken, swept
 *   after `maxDisconnectionDuration`, or held by a server that died);
 * - `session_expired`: disconnected for longer than `maxDisconnectionDuration`;
 * - `history_evicted`: some packet it missed is no longer kept (store bounds), so what it
 *   missed cannot be told — Centrifugo's "insufficient state";
 * - `holder_unreachable`: a server that may hold it did not answer within `restoreTimeout`
 *   (killed and not yet declared dead, or overloaded);
 * - `handover_failed`: the holder answered, but the hand-over could not be completed whole
 *   (it died midway, or the packets sent meanwhile passed the store's bounds).
 */
export type RecoveryFailureReason =
  | "session_unknown"
  | "session_expired"
  | "history_evicted"
  | "holder_unreachable"
  | "handover_failed";

/** A session that was asked for but not restored, and why. */
export interface NotRestored {
  readonly reason: RecoveryFailureReason;
}

/** A socket as `fetchSockets` reports it. Local sockets are the live `Socket` objects. */
export interface SocketDetails {
  id: SocketId;
  handshake: Handshake;
  rooms: Iterable<Room>;
  data: unknown;
}

/** What the adapter needs from a socket of its namespace. */
export interface AdapterSocket extends SocketDetails {
  readonly rooms: Set<Room>;
  join(rooms: Room | Room[]): Promise<void> | void;
  leave(room: Room): Promise<void> | void;
  disconnect(close?: boolean): unknown;
  /**
   * @internal Its private session id, when connection state recovery is on: an adapter that
   * keeps sessions outside the process (durable sessions) files its record under it.
   */
  readonly _pid?: PrivateSessionId | undefined;
  /** @internal Writes a broadcast prepared once for every recipient. */
  _deliver(message: PreparedMessage, packet: Packet): void;
  /**
   * @internal Registers the callback that receives this socket's ACK for packet `id`;
   * `gone` runs instead if the socket disconnects (or drops the ack) before answering.
   */
  _registerAck(id: number, ack: (...args: unknown[]) => void, gone?: () => void): void;
  /** @internal Forgets the ACK awaited for packet `id` (its broadcast timed out). */
  _forgetAck(id: number): void;
}

/** What the adapter needs from its namespace. */
export interface AdapterNamespace {
  readonly name: string;
  readonly sockets: ReadonlyMap<SocketId, AdapterSocket>;
  /**
   * @internal Encodes a broadcast packet with the server's parser (the `parser` option);
   * Parley's `encodePacket` when absent.
   */
  _encode?(packet: Packet): readonly RawData[];
  /** @internal A fresh ack id, unique within the namespace. */
  _nextAckId(): number;
  /** @internal Delivers a `serverSideEmit` received from another server. */
  _onServerSideEmit(args: unknown[]): void;
  /** @internal Set when the server has `connectionStateRecovery` on. */
  readonly _recovery?: RecoveryOptions | undefined;
  /** @internal The engine front's native room publish (`RoomPublisher`); null on Node. */
  readonly _roomPublisher?: RoomPublisher | null;
  /** @internal Where a room-event listener's exception goes (the server's `handler_error`). */
  reportListenerError?(err: unknown, event: string): void;
}

export interface AdapterEvents {
  "create-room": [room: Room];
  "delete-room": [room: Room];
  "join-room": [room: Room, id: SocketId];
  "leave-room": [room: Room, id: SocketId];
  /** A cluster adapter heard another server for the first time (or again after its death). */
  "server-up": [uid: string];
  /**
   * A cluster adapter declared another server dead (missed heartbeats) or heard it close.
   * Presence drops that server's members on it. The in-memory adapter never emits these.
   */
  "server-down": [uid: string];
  /**
   * A broadcast (from this server or relayed from another) was handed to `recipients` local
   * sockets. Emitted after local delivery, once per broadcast, never per recipient (metrics).
   */
  "fan-out": [recipients: number];
  /** A cluster adapter sent a request of `type` (`fetch-sockets`, `server-side-emit`…) to other servers. */
  "cluster-request": [type: string];
  /** A cluster request of `type` reached its timeout before every awaited server answered. */
  "cluster-request-timeout": [type: string];
}

/**
 * The seam between a namespace and the sockets it can reach. One adapter per namespace.
 * The in-memory adapter reaches the sockets of this process; a cluster adapter also reaches
 * those of other servers. Guarantees every implementation keeps:
 *
 * - Room bookkeeping (`addAll`, `del`, `delAll`, `rooms`, `sids`, `socketRooms`) is about
 *   LOCAL sockets and takes effect synchronously in the in-memory adapter: after
 *   `socket.join("a")` returns, `socket.rooms` has "a". An adapter that persists rooms may
 *   return a promise, settled once the change is visible to its own broadcasts.
 * - `create-room` fires before the first `join-room` of a room; `delete-room` after its last
 *   `leave-room`. A socket's own room fires these events too. A listener that throws is
 *   reported to the namespace and never interrupts the bookkeeping.
 * - Broadcast operations (`broadcast`, `broadcastWithAck`, `addSockets`, `delSockets`,
 *   `disconnectSockets`, `fetchSockets`, `serverSideEmit`) reach the whole cluster unless
 *   `flags.local` is set; local delivery happens synchronously, before the call returns.
 * - Packets from one broadcaster to one socket arrive in call order.
 * - A broadcast is encoded once; each recipient's connection gets the same `PreparedMessage`.
 * - With connection state recovery on (`nsp._recovery`), every EVENT broadcast without an ack
 *   and not volatile gets an offset appended as its last argument, the same for every
 *   recipient, and is kept so that `restoreSession` can replay it.
 */
export interface Adapter extends EventEmitter<AdapterEvents> {
  readonly nsp: AdapterNamespace;
  /** Room → ids of the local sockets in it. */
  readonly rooms: Map<Room, Set<SocketId>>;
  /** Socket id → the rooms it is in (local sockets only). */
  readonly sids: Map<SocketId, Set<Room>>;

  /** Called once after construction; the namespace does not wait for it. */
  init(): Promise<void> | void;
  /** Called when the namespace or the server closes. */
  close(): Promise<void> | void;
  /** How many servers share this namespace (1 for the in-memory adapter). */
  serverCount(): Promise<number>;

  /** Adds a local socket to rooms. */
  addAll(id: SocketId, rooms: ReadonlySet<Room>): Promise<void> | void;
  /** Removes a local socket from one room. */
  del(id: SocketId, room: Room): Promise<void> | void;
  /** Removes a local socket from every room (on disconnect). Synchronous. */
  delAll(id: SocketId): void;

  /** Sends `packet` to every targeted socket. */
  broadcast(packet: Packet, opts: BroadcastOptions): void;
  /**
   * Sends `packet` expecting an ACK from each recipient. `clientCountCallback(n)` is called
   * once per server with the number of sockets it reached (before their replies), then `ack`
   * once per reply. The caller decides when it has every reply, using `serverCount()`.
   * A server may report its count late, once each of its clients answered or left: the
   * count is then the number that answered, so the caller stops waiting for clients that
   * disconnected.
   */
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void;

  /** Ids of the local sockets in any of `rooms` (every local socket when empty). */
  sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>>;
  /** The rooms of a local socket, or undefined when it is unknown. */
  socketRooms(id: SocketId): Set<Room> | undefined;
  /** The targeted sockets: live `Socket`s for local ones, plain details for remote ones. */
  fetchSockets(opts: BroadcastOptions): Promise<SocketDetails[]>;
  /**
   * Makes the targeted sockets join `rooms`. May return a promise that settles once they have,
   * everywhere the adapter reaches (a cluster adapter: every live server, with whatever a
   * broadcast to those rooms needs in place); it never rejects.
   */
  addSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> | void;
  /** Makes the targeted sockets leave `rooms`; a promise as `addSockets`'s. */
  delSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> | void;
  /** Disconnects the targeted sockets (`close`: end their whole connection). */
  disconnectSockets(opts: BroadcastOptions, close: boolean): void;
  /**
   * Emits `[event, ...args]` on the namespace of every OTHER server. When the last element
   * is a function it is an ack: called once as `(err, responses)` when every other server
   * answered (or the timeout passed). With no other server, it is called with `(null, [])`.
   */
  serverSideEmit(packet: unknown[]): void;

  /**
   * A fresh private session id for a socket (connection state recovery on). Optional: an
   * adapter that keeps sessions outside the process may put in it where to find the record
   * (its holder's id) so any server can find it without asking. It must stay a secret as
   * hard to guess as the default (at least 120 random bits).
   */
  newSessionId?(): PrivateSessionId;
  /**
   * Keeps the state of a socket whose connection dropped abruptly, for
   * `recovery.maxDisconnectionDuration`. A no-op when recovery is off.
   */
  persistSession(session: PersistedSession): Promise<void> | void;
  /**
   * Takes a persisted session back, with every packet it missed after `offset` (the last
   * offset its client received; `FROM_SESSION_START` when it received none), each once, in the order each broadcaster sent them. When it
   * cannot, a `NotRestored` says why (or null: unknown, read as `session_unknown`), and the
   * client starts a new session. A session can be restored once. The adapter may go on
   * appending to `missedPackets` after returning, until the socket joins its rooms
   * (`addAll` with the session's id): what its rooms were sent in between.
   */
  restoreSession(
    pid: PrivateSessionId,
    offset: string,
  ): Promise<RestoredSession | NotRestored | null> | RestoredSession | NotRestored | null;

  /**
   * Where reliable packets (`socket.reliable.emit`) wait for acknowledgement. Optional: an
   * adapter that keeps sessions outside the process (durable sessions) returns a store there,
   * so reliable packets outlive this server with their sessions; without it the namespace
   * keeps them in this process's memory (also when this returns undefined). Called once per
   * namespace, on first use.
   */
  reliableStore?(): ReliableStore | undefined;
}

/**
 * How `io.adapter(...)` takes an adapter: a class, or a factory function. An adapter built on
 * socket.io-adapter 2.5 (`createAdapter(...)` of the `@socket.io/*` adapters) is accepted too
 * and hosted (`socketio-compat/`).
 */
export type AdapterConstructor =
  | (new (
      nsp: AdapterNamespace,
    ) => Adapter)
  | ((nsp: AdapterNamespace) => Adapter)
  | SocketIoAdapterConstructor;

/**
 * Builds an adapter from either form (a class needs `new`; an arrow function cannot take it).
 * What a socket.io-adapter-based one returns still needs hosting (`hostAdapter`).
 */
export function createAdapter(
  ctor: AdapterConstructor,
  nsp: AdapterNamespace,
): Adapter | SocketIoAdapter {
  type Made = Adapter | SocketIoAdapter;
  if (ctor.prototype !== undefined) {
    return new (ctor as new (nsp: AdapterNamespace) => Made)(nsp);
  }
  return (ctor as (nsp: AdapterNamespace) => Made)(nsp);
}
