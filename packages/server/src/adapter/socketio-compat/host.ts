import { EventEmitter } from "node:events";
import { type Packet, PacketType, type RawData } from "@parley/protocol";
import { debugLog } from "../../debug.js";
import {
  type Adapter,
  type AdapterEvents,
  type AdapterNamespace,
  type BroadcastOptions,
  FROM_SESSION_START,
  type NotRestored,
  type PersistedSession,
  type PrivateSessionId,
  type RestoredSession,
  type Room,
  type SocketDetails,
  type SocketId,
} from "../adapter.js";
import type { NamespaceView } from "./namespace-view.js";
import { SocketView } from "./socket-view.js";
import type { SioBroadcastOptions, SioSession, SocketIoAdapter } from "./types.js";

const log = debugLog("parley:socketio-adapter", "socket.io-adapter");

const ROOM_EVENTS = ["create-room", "delete-room", "join-room", "leave-room"] as const;
const NO_ROOMS: Set<Room> = new Set();
const UNKNOWN: NotRestored = { reason: "session_unknown" };

/**
 * Runs an adapter built on socket.io-adapter 2.5 (`@socket.io/redis-adapter`,
 * `redis-streams-adapter`, `postgres-adapter`, `cluster-adapter`, …) as a Parley adapter.
 * The namespace talks to this host through Parley's `Adapter` contract; the hosted adapter
 * sees a `NamespaceView` (socket.io's `nsp`: encoder, sockets with `client.writeToEngine`,
 * `_ids`, `_onServerSideEmit`) and does its own publishing, wire format and room
 * bookkeeping, so it interoperates with socket.io servers using the same adapter.
 *
 * Guarantees are the hosted adapter's, not those of Parley's contract where they differ: a
 * cluster adapter delivers a broadcast to local sockets after its publish round trip (not
 * synchronously); `addSockets`/`delSockets` settle once published, not once applied
 * elsewhere; a broadcast with acks counts recipients when sent, so a client that leaves
 * before answering is waited for until the timeout.
 */
export class SocketIoAdapterHost extends EventEmitter<AdapterEvents> implements Adapter {
  readonly nsp: AdapterNamespace;
  /** The hosted socket.io adapter itself (its own API: `uid`, `allRooms()`, …). */
  readonly socketIoAdapter: SocketIoAdapter;
  /** Whether the adapter keeps sessions (overrides socket.io-adapter's no-op restore). */
  readonly #recovers: boolean;
  readonly #view: NamespaceView;

  constructor(adapter: SocketIoAdapter, nsp: AdapterNamespace, view: NamespaceView) {
    super();
    this.nsp = nsp;
    this.socketIoAdapter = adapter;
    this.#recovers = keepsSessions(adapter);
    this.#view = view;
    for (const event of ROOM_EVENTS) {
      adapter.on(event, (room: Room, id?: SocketId) => this.#notify(event, room, id));
    }
  }

  get rooms(): Map<Room, Set<SocketId>> {
    return this.socketIoAdapter.rooms;
  }

  get sids(): Map<SocketId, Set<Room>> {
    return this.socketIoAdapter.sids;
  }

  init(): Promise<void> | void {
    return this.socketIoAdapter.init();
  }

  close(): Promise<void> | void {
    return this.socketIoAdapter.close();
  }

  serverCount(): Promise<number> {
    return this.socketIoAdapter.serverCount();
  }

  addAll(id: SocketId, rooms: ReadonlySet<Room>): Promise<void> | void {
    return this.socketIoAdapter.addAll(id, asSet(rooms));
  }

  del(id: SocketId, room: Room): Promise<void> | void {
    return this.socketIoAdapter.del(id, room);
  }

  delAll(id: SocketId): void {
    this.socketIoAdapter.delAll(id);
  }

  broadcast(packet: Packet, opts: BroadcastOptions): void {
    this.#settle(this.socketIoAdapter.broadcast(packet, this.#options(opts, packet)), "broadcast");
  }

  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    this.socketIoAdapter.broadcastWithAck(packet, toSio(opts), clientCountCallback, ack);
  }

  sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>> {
    return this.socketIoAdapter.sockets(asSet(rooms));
  }

  socketRooms(id: SocketId): Set<Room> | undefined {
    return this.socketIoAdapter.socketRooms(id);
  }

  async fetchSockets(opts: BroadcastOptions): Promise<SocketDetails[]> {
    const found = await this.socketIoAdapter.fetchSockets(toSio(opts));
    const sockets: SocketDetails[] = [];
    for (const entry of found) {
      // Local sockets come back as the views the adapter was given: hand out the real ones.
      if (entry instanceof SocketView) sockets.push(entry.socket);
      else if (isRemoteSocket(entry)) sockets.push(entry);
      else log("ignoring a malformed socket in a fetchSockets response");
    }
    return sockets;
  }

  addSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> | void {
    return this.#settle(this.socketIoAdapter.addSockets(toSio(opts), rooms), "socketsJoin");
  }

  delSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> | void {
    return this.#settle(this.socketIoAdapter.delSockets(toSio(opts), rooms), "socketsLeave");
  }

  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    this.#settle(this.socketIoAdapter.disconnectSockets(toSio(opts), close), "disconnectSockets");
  }

  serverSideEmit(packet: unknown[]): void {
    this.#settle(this.socketIoAdapter.serverSideEmit(packet), "serverSideEmit");
  }

  persistSession(session: PersistedSession): Promise<void> | void {
    return this.socketIoAdapter.persistSession({
      sid: session.sid,
      pid: session.pid,
      rooms: session.rooms,
      data: session.data,
    });
  }

  async restoreSession(
    pid: PrivateSessionId,
    offset: string,
  ): Promise<RestoredSession | NotRestored | null> {
    // socket.io's adapters restore from an offset only; a client that has none is unknown to them.
    if (offset === FROM_SESSION_START) return null;
    let session: SioSession | null | undefined;
    try {
      session = await this.socketIoAdapter.restoreSession(pid, offset);
    } catch (err) {
      // redis-streams-adapter rejects (with a string) when the session or offset is unknown.
      log("session %s not restored: %s", pid, err);
      return UNKNOWN;
    }
    if (session == null) return null;
    if (!isSession(session)) {
      log("ignoring a malformed restored session");
      return UNKNOWN;
    }
    // socket.io's adapters keep what was sent as its arguments; Parley replays encoded frames.
    const missedPackets: (readonly RawData[])[] = [];
    for (const data of session.missedPackets) {
      if (!Array.isArray(data)) continue;
      const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp.name, data };
      missedPackets.push(this.#encode(packet));
    }
    return {
      sid: session.sid,
      pid: session.pid,
      rooms: session.rooms,
      data: session.data,
      missedPackets,
    };
  }

  #encode(packet: Packet): readonly RawData[] {
    return this.#view.server.encoder.encode(packet);
  }

  /**
   * socket.io-adapter's options, with one change: a socket's own emit. Parley sends it
   * `local` (no other server has the socket); socket.io sends it through the adapter
   * unflagged, and socket.io's cluster adapters only give an offset (and keep for recovery)
   * what they publish. So with recovery on and an adapter that keeps sessions, an event to
   * exactly one local socket's own room is published, as socket.io would.
   */
  #options(opts: BroadcastOptions, packet: Packet): SioBroadcastOptions {
    const sio = toSio(opts);
    const flags = sio.flags;
    if (
      flags.local === true &&
      this.#recovers &&
      this.nsp._recovery !== undefined &&
      packet.type === PacketType.EVENT &&
      packet.id === undefined &&
      sio.except.size === 0 &&
      sio.rooms.size === 1 &&
      this.nsp.sockets.has(sio.rooms.values().next().value as Room)
    ) {
      const { local: _local, ...rest } = flags;
      sio.flags = rest;
    }
    return sio;
  }

  /** A hosted adapter's promise never rejects into the void: it is reported. */
  #settle(result: Promise<void> | void, operation: string): Promise<void> | void {
    if (!(result instanceof Promise)) return undefined;
    return result.catch((err: unknown) => this.#report(err, `adapter.${operation}`));
  }

  #notify(event: (typeof ROOM_EVENTS)[number], room: Room, id: SocketId | undefined): void {
    if (this.listenerCount(event) === 0) return;
    try {
      if (event === "create-room" || event === "delete-room") this.emit(event, room);
      else this.emit(event, room, id as SocketId);
    } catch (err) {
      this.#report(err, `adapter ${event}`);
    }
  }

  #report(err: unknown, event: string): void {
    if (this.nsp.reportListenerError !== undefined) this.nsp.reportListenerError(err, event);
    else console.error(`[parley] ${event} failed:`, err);
  }
}

/** Parley's options as socket.io-adapter wants them: real Sets, `except` and `flags` set. */
function toSio(opts: BroadcastOptions): SioBroadcastOptions {
  return {
    rooms: asSet(opts.rooms),
    except: opts.except === undefined ? NO_ROOMS : asSet(opts.except),
    flags: opts.flags === undefined ? {} : { ...opts.flags },
  };
}

function asSet(rooms: ReadonlySet<Room>): Set<Room> {
  return rooms instanceof Set ? rooms : new Set(rooms);
}

/** socket.io-adapter's own `restoreSession` returns null: an override means it keeps sessions. */
function keepsSessions(adapter: SocketIoAdapter): boolean {
  let proto: object | null = Object.getPrototypeOf(adapter);
  while (proto !== null && proto !== Object.prototype) {
    const owner: object | null = Object.getPrototypeOf(proto);
    // The base class is the one whose parent is EventEmitter.
    if (owner === EventEmitter.prototype) return false;
    if (Object.hasOwn(proto, "restoreSession")) return true;
    proto = owner;
  }
  return false;
}

function isRemoteSocket(value: unknown): value is SocketDetails {
  if (typeof value !== "object" || value === null) return false;
  const s = value as Partial<Record<keyof SocketDetails, unknown>>;
  return typeof s.id === "string" && typeof s.handshake === "object" && Array.isArray(s.rooms);
}

function isSession(value: SioSession): boolean {
  return (
    typeof value.sid === "string" &&
    typeof value.pid === "string" &&
    Array.isArray(value.rooms) &&
    value.rooms.every((room) => typeof room === "string") &&
    Array.isArray(value.missedPackets)
  );
}
