import { EventEmitter } from "node:events";
import { encodePacket, type Packet, PacketType } from "@parley/protocol";
import { type PreparedMessage, prepareMessage } from "../engine/contract.js";
import type { RoomPublisher } from "../engine/core/hooks.js";
import type {
  Adapter,
  AdapterEvents,
  AdapterNamespace,
  AdapterSocket,
  BroadcastOptions,
  NotRestored,
  PersistedSession,
  PrivateSessionId,
  RestoredSession,
  Room,
  SocketDetails,
  SocketId,
} from "./adapter.js";
import { RecoveryStore } from "./recovery-store.js";
import { CHANGED, ROOM_EDGE, RoomIndex } from "./room-index.js";

/**
 * The default adapter: rooms in two maps, delivery to the sockets of this process.
 * Every operation is synchronous; the promise-returning ones resolve immediately.
 * With connection state recovery on, it also keeps sessions and offset-carrying packets in
 * memory (see `RecoveryStore`): recovery works when the client comes back to this process.
 */
export class InMemoryAdapter extends EventEmitter<AdapterEvents> implements Adapter {
  readonly nsp: AdapterNamespace;
  /** Room bookkeeping: each socket's own room costs no Set until read (see `RoomIndex`). */
  readonly #index = new RoomIndex(() => this.nsp.sockets);
  readonly rooms: Map<Room, Set<SocketId>> = this.#index.rooms;
  readonly sids: Map<SocketId, Set<Room>> = this.#index.sids;
  /** Sessions and packets kept for connection state recovery (when it is on). */
  protected readonly recoveryStore: RecoveryStore | undefined;

  /**
   * @param memoryRecovery false when a subclass keeps connection-state-recovery sessions and
   *   packets elsewhere: no in-memory store is made.
   */
  constructor(nsp: AdapterNamespace, memoryRecovery = true) {
    super();
    this.nsp = nsp;
    const recovery = nsp._recovery;
    this.recoveryStore =
      recovery === undefined || !memoryRecovery ? undefined : new RecoveryStore(recovery);
  }

  init(): Promise<void> | void {}

  close(): Promise<void> | void {
    this.recoveryStore?.clear();
  }

  persistSession(session: PersistedSession): Promise<void> | void {
    this.recoveryStore?.persist(session);
  }

  restoreSession(
    pid: PrivateSessionId,
    offset: string,
  ): Promise<RestoredSession | NotRestored | null> | RestoredSession | NotRestored | null {
    return this.restoreLocalSession(pid, offset);
  }

  /** A session kept in this process's own store (what `restoreSession` asks first). */
  protected restoreLocalSession(
    pid: PrivateSessionId,
    offset: string,
  ): RestoredSession | NotRestored | null {
    return this.recoveryStore?.restore(pid, offset) ?? null;
  }

  serverCount(): Promise<number> {
    return Promise.resolve(1);
  }

  addAll(id: SocketId, rooms: ReadonlySet<Room>): Promise<void> | void {
    // A front that tracks membership itself (Bun's topics) is told of every join.
    const tracker = this.#membershipTracker();
    const socket = tracker === undefined ? undefined : this.nsp.sockets.get(id);
    const index = this.#index;
    if (socket !== undefined && !this.sids.has(id)) {
      tracker?.join?.(this.nsp.name, socket, undefined);
    }
    for (const room of rooms) {
      const change = index.join(id, room);
      if (change === 0) continue;
      if (change & ROOM_EDGE) this.#notify("create-room", room);
      if (socket !== undefined) tracker?.join?.(this.nsp.name, socket, room);
      this.#notify("join-room", room, id);
    }
    // socket.io's shape: a socket added with no room still has an (empty) entry.
    if (rooms.size === 0 && !this.sids.has(id)) this.sids.set(id, new Set());
  }

  del(id: SocketId, room: Room): Promise<void> | void {
    const change = this.#index.leave(id, room);
    if (change !== 0) this.#left(id, room, change, this.#trackedSocket(id));
  }

  delAll(id: SocketId): void {
    if (!this.sids.has(id)) return;
    const socket = this.#trackedSocket(id);
    this.#index.drop(id, (room, deleted) =>
      this.#left(id, room, CHANGED | (deleted ? ROOM_EDGE : 0), socket),
    );
    if (socket !== undefined) this.#membershipTracker()?.leave?.(this.nsp.name, socket, undefined);
  }

  /** The socket, when the front tracks membership (it finds its connection from it). */
  #trackedSocket(id: SocketId): AdapterSocket | undefined {
    return this.#membershipTracker() === undefined ? undefined : this.nsp.sockets.get(id);
  }

  /** The engine front's publisher when it tracks room membership itself (Bun); else none. */
  #membershipTracker(): RoomPublisher | undefined {
    const publisher = this.nsp._roomPublisher;
    return publisher?.join === undefined ? undefined : publisher;
  }

  /** After `RoomIndex.leave`/`drop`: tells the front and the listeners what `change` was. */
  #left(id: SocketId, room: Room, change: number, socket: AdapterSocket | undefined): void {
    if (socket !== undefined) this.#membershipTracker()?.leave?.(this.nsp.name, socket, room);
    this.#notify("leave-room", room, id);
    if (change & ROOM_EDGE) this.#notify("delete-room", room);
  }

  /**
   * Room events are notifications: a listener that throws must not leave the maps half
   * updated (a socket gone from its namespace but still in a room, or the reverse).
   */
  #notify<K extends keyof AdapterEvents>(event: K, ...args: AdapterEvents[K]): void {
    // Most apps listen to none of these; every join and leave would still pay for the emit.
    if (this.listenerCount(event) === 0) return;
    try {
      (this.emit as (e: K, ...a: AdapterEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#report(err, `adapter ${event}`, `adapter listener for "${event}"`);
    }
  }

  /** To the namespace's `handler_error` reporting; printed where there is none. */
  #report(err: unknown, event: string, what: string): void {
    if (this.nsp.reportListenerError !== undefined) this.nsp.reportListenerError(err, event);
    else console.error(`[parley] ${what} failed:`, err);
  }

  broadcast(packet: Packet, opts: BroadcastOptions): void {
    this.deliver(packet, opts, undefined);
  }

  /**
   * Whether a broadcast gets an offset and is kept for connection state recovery: events
   * without an ack that are not volatile, when recovery is on.
   */
  protected storable(packet: Packet, opts: BroadcastOptions): boolean {
    return (
      this.recoveryStore !== undefined &&
      packet.type === PacketType.EVENT &&
      packet.id === undefined &&
      opts.flags?.volatile !== true &&
      Array.isArray(packet.data)
    );
  }

  /**
   * Delivers a broadcast to the local sockets it targets (and keeps it, when `storable`);
   * `origin` is its id on the server that sent it, when that is another server.
   */
  protected deliver(packet: Packet, opts: BroadcastOptions, origin: string | undefined): void {
    const store = this.recoveryStore;
    if (store !== undefined && this.storable(packet, opts)) {
      // A copy with the offset as last argument: the caller's packet may be sent on to other
      // servers, each of which appends its own.
      const sent: Packet = { ...packet, data: [...(packet.data as unknown[]), store.nextOffset()] };
      const message = this.prepare(sent, opts);
      store.push(message.frames, opts, origin);
      this.#deliverLocally(message, sent, opts);
      return;
    }
    const message = this.prepare(packet, opts);
    this.#deliverLocally(message, packet, opts);
  }

  /**
   * Hands a prepared broadcast to the local sockets it targets (natively when the engine front
   * can), then says how many through `fan-out`: once per broadcast, and with no listener
   * (metrics off) a property read.
   */
  #deliverLocally(message: PreparedMessage, packet: Packet, opts: BroadcastOptions): void {
    let reached = 0;
    if (this.#publishNatively(message, opts)) {
      const [room] = opts.rooms as ReadonlySet<Room>;
      reached = this.#index.count(room as Room);
    } else {
      this.apply(opts, (socket) => {
        reached++;
        socket._deliver(message, packet);
      });
    }
    this.emit("fan-out", reached);
  }

  /**
   * Hands a one-room broadcast with no per-recipient state (no `except`, not volatile) to the
   * engine front's native topic publish, when it has one (see `RoomPublisher`; Node has none).
   */
  #publishNatively(message: PreparedMessage, opts: BroadcastOptions): boolean {
    const publisher = this.nsp._roomPublisher;
    if (publisher == null || opts.rooms.size > 1 || opts.flags?.volatile === true) return false;
    if (opts.except !== undefined && opts.except.size > 0) return false;
    // The whole namespace only to a publisher that knows its members (see RoomPublisher.join).
    if (opts.rooms.size === 0) {
      return publisher.join !== undefined && publisher.publish(this.nsp.name, undefined, message);
    }
    const [room] = opts.rooms as ReadonlySet<Room>;
    // A room named after a socket: its own room has no topic (see RoomPublisher).
    if (this.sids.has(room as Room)) return false;
    return publisher.publish(this.nsp.name, room as Room, message);
  }

  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    if (packet.id === undefined) packet.id = this.nsp._nextAckId();
    const id = packet.id;
    const message = this.prepare(packet, opts);
    // The count is reported once every reached client answered or left, as the number that
    // answered: a client that disconnects is not waited for until the timeout.
    let waiting = 0;
    let answered = 0;
    let reached = false;
    const report = () => {
      if (reached && waiting === 0) {
        reached = false;
        clientCountCallback(answered);
      }
    };
    const onReply = (...args: unknown[]) => {
      waiting--;
      answered++;
      ack(...args);
      report();
    };
    const onGone = () => {
      waiting--;
      report();
    };
    let recipients = 0;
    this.apply(opts, (socket) => {
      recipients++;
      waiting++;
      socket._registerAck(id, onReply, onGone);
      socket._deliver(message, packet);
    });
    this.emit("fan-out", recipients);
    reached = true;
    report();
  }

  /** Encodes `packet` once for this namespace; every recipient gets the same frames. */
  protected prepare(packet: Packet, opts: BroadcastOptions): PreparedMessage {
    packet.nsp = this.nsp.name;
    const flags = opts.flags;
    const nsp = this.nsp;
    const frames = nsp._encode === undefined ? encodePacket(packet) : nsp._encode(packet);
    return prepareMessage(frames, {
      volatile: flags?.volatile === true,
      compress: flags?.compress !== false,
    });
  }

  sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    this.apply({ rooms }, (socket) => ids.add(socket.id));
    return Promise.resolve(ids);
  }

  socketRooms(id: SocketId): Set<Room> | undefined {
    return this.sids.get(id);
  }

  /**
   * The rooms of a local socket as stored, for reading once (`socketRooms` would store a
   * `Set` for a socket in its own room only); empty when it is unknown.
   */
  protected roomsOf(id: SocketId): Iterable<Room> {
    return this.#index.roomsOf(id) ?? [];
  }

  fetchSockets(opts: BroadcastOptions): Promise<SocketDetails[]> {
    const found: SocketDetails[] = [];
    this.apply(opts, (socket) => found.push(socket));
    return Promise.resolve(found);
  }

  addSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> | void {
    return this.#eachSocket(opts, "socketsJoin", (socket) => socket.join(rooms));
  }

  delSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> | void {
    return this.#eachSocket(opts, "socketsLeave", (socket) => {
      const left: (Promise<void> | void)[] = rooms.map((room) => socket.leave(room));
      return settleAll(left);
    });
  }

  /**
   * Applies `change` to every targeted socket: one that refuses (a join past its room limit)
   * is reported and skipped, never stopping the others. Settles once every change has (a
   * subclass's join may wait for a subscription).
   */
  #eachSocket(
    opts: BroadcastOptions,
    operation: string,
    change: (socket: AdapterSocket) => Promise<void> | void,
  ): Promise<void> | void {
    const pending: (Promise<void> | void)[] = [];
    this.apply(opts, (socket) => {
      try {
        pending.push(change(socket));
      } catch (err) {
        this.#report(err, operation, `${operation} for socket ${socket.id}`);
      }
    });
    return settleAll(pending);
  }

  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    this.apply(opts, (socket) => socket.disconnect(close));
  }

  serverSideEmit(packet: unknown[]): void {
    // A single server has no peer to reach: the event goes nowhere, and an ack learns at
    // once that there were no responses to wait for.
    const last = packet[packet.length - 1];
    if (typeof last === "function") queueMicrotask(() => last(null, []));
  }

  /**
   * Calls `fn` once for every local socket targeted by `opts`. Collects the ids first, so
   * `fn` may change rooms (join, leave, disconnect) without disturbing the walk.
   */
  protected apply(opts: BroadcastOptions, fn: (socket: AdapterSocket) => void): void {
    const excluded = this.#excludedIds(opts.except);
    const targets: SocketId[] = [];
    if (opts.rooms.size > 0) {
      const seen = new Set<SocketId>();
      const index = this.#index;
      for (const room of opts.rooms) {
        const members = index.storedMembers(room);
        if (members !== undefined) {
          for (const id of members) {
            if (seen.has(id) || excluded?.has(id)) continue;
            seen.add(id);
            targets.push(id);
          }
        } else if (index.unstoredOwnRoom(room) && !seen.has(room) && !excluded?.has(room)) {
          seen.add(room);
          targets.push(room);
        }
      }
    } else {
      if (excluded === undefined) this.#index.sids._pushIds(targets);
      else for (const id of this.sids.keys()) if (!excluded.has(id)) targets.push(id);
    }
    for (const id of targets) {
      const socket = this.nsp.sockets.get(id);
      if (socket !== undefined) fn(socket);
    }
  }

  #excludedIds(except: ReadonlySet<Room> | undefined): Set<SocketId> | undefined {
    if (except === undefined || except.size === 0) return undefined;
    const ids = new Set<SocketId>();
    const index = this.#index;
    for (const room of except) {
      const members = index.storedMembers(room);
      if (members !== undefined) for (const id of members) ids.add(id);
      else if (index.unstoredOwnRoom(room)) ids.add(room);
    }
    return ids;
  }
}

/**
 * One promise for those among `results` that are promises (none: nothing to wait for). It
 * never rejects.
 */
export function settleAll(results: readonly (Promise<void> | void)[]): Promise<void> | void {
  const promises = results.filter((r): r is Promise<void> => r instanceof Promise);
  if (promises.length === 0) return undefined;
  return Promise.allSettled(promises).then(() => {});
}
