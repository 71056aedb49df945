import type { Packet, RawData } from "@parley/protocol";
import { type PreparedMessage, prepareMessage } from "../../engine/contract.js";
import type { AdapterSocket, Room, SocketId } from "../adapter.js";
import type { SioSocket, SioWriteOptions } from "./types.js";

/**
 * One broadcast's frames, prepared once. socket.io-adapter encodes a broadcast once and
 * calls `socket.client.writeToEngine(encodedPackets, opts)` on every recipient with the same
 * array: keyed by that array's identity, every recipient gets the same `PreparedMessage`, so
 * each transport frames it once (encode once, fan out many, as with Parley's own adapters).
 * One entry is enough: a broadcast's writes come in one synchronous loop, and a nested
 * broadcast (an outgoing listener that emits) only costs the outer one a second preparation.
 */
export class PreparedCache {
  #frames: readonly RawData[] | undefined;
  #message: PreparedMessage | undefined;
  /**
   * The packet being written: socket.io-adapter passes it to `notifyOutgoingListeners`
   * right before `writeToEngine`, which does not get it; Parley's `_deliver` wants both.
   */
  packet: Packet | undefined;

  prepared(frames: RawData[], opts: SioWriteOptions): PreparedMessage {
    if (frames === this.#frames && this.#message !== undefined) return this.#message;
    const message = prepareMessage(frames, {
      volatile: opts.volatile === true,
      compress: opts.compress !== false,
    });
    this.#frames = frames;
    this.#message = message;
    return message;
  }
}

/**
 * A Parley socket as socket.io-adapter sees an entry of `nsp.sockets`: the fields its
 * `fetchSockets` serializes, the room and disconnect calls, `acks.set` for broadcasts with
 * acks, and `client.writeToEngine` for delivery. One per socket, made on first use.
 */
export class SocketView implements SioSocket {
  readonly socket: AdapterSocket;
  readonly #cache: PreparedCache;
  readonly acks: { set(id: number, ack: (...args: unknown[]) => void): unknown };

  constructor(socket: AdapterSocket, cache: PreparedCache) {
    this.socket = socket;
    this.#cache = cache;
    this.acks = {
      // The adapter counts recipients itself (its clientCountCallback is synchronous), so a
      // socket that leaves before answering is simply not heard from, as in socket.io.
      set: (id, ack) => socket._registerAck(id, ack),
    };
  }

  get id(): SocketId {
    return this.socket.id;
  }

  get rooms(): Set<Room> {
    return this.socket.rooms;
  }

  get data(): unknown {
    return this.socket.data;
  }

  get handshake(): object {
    return this.socket.handshake;
  }

  /** socket.io's `socket.client` is its Engine.IO client; the adapter only writes to it. */
  get client(): this {
    return this;
  }

  notifyOutgoingListeners(packet: Packet): void {
    this.#cache.packet = packet;
  }

  writeToEngine(encodedPackets: RawData[], opts: SioWriteOptions): void {
    const packet = this.#cache.packet;
    this.#cache.packet = undefined;
    // Parley's `_deliver` notifies the socket's outgoing listeners with the packet's data.
    this.socket._deliver(this.#cache.prepared(encodedPackets, opts), packet ?? NO_PACKET);
  }

  join(rooms: Room | Room[]): unknown {
    return this.socket.join(rooms);
  }

  leave(room: Room): unknown {
    return this.socket.leave(room);
  }

  disconnect(close?: boolean): unknown {
    return this.socket.disconnect(close);
  }
}

/** What `_deliver` gets if an adapter writes without announcing the packet (no listeners run). */
const NO_PACKET: Packet = { type: 2, nsp: "/" };

/**
 * `nsp.sockets` for socket.io-adapter: Parley's sockets of the namespace, each seen through
 * its `SocketView`. Views are kept per socket object (weakly), so a socket recovered under a
 * reused id gets a fresh one.
 */
export class SocketsView implements ReadonlyMap<SocketId, SocketView> {
  readonly #sockets: ReadonlyMap<SocketId, AdapterSocket>;
  readonly #views = new WeakMap<AdapterSocket, SocketView>();
  readonly #cache: PreparedCache;

  constructor(sockets: ReadonlyMap<SocketId, AdapterSocket>, cache: PreparedCache) {
    this.#sockets = sockets;
    this.#cache = cache;
  }

  #view(socket: AdapterSocket): SocketView {
    let view = this.#views.get(socket);
    if (view === undefined) {
      view = new SocketView(socket, this.#cache);
      this.#views.set(socket, view);
    }
    return view;
  }

  get(id: SocketId): SocketView | undefined {
    const socket = this.#sockets.get(id);
    return socket === undefined ? undefined : this.#view(socket);
  }

  has(id: SocketId): boolean {
    return this.#sockets.has(id);
  }

  get size(): number {
    return this.#sockets.size;
  }

  *entries(): MapIterator<[SocketId, SocketView]> {
    for (const [id, socket] of this.#sockets) yield [id, this.#view(socket)];
  }

  keys(): MapIterator<SocketId> {
    return this.#sockets.keys();
  }

  *values(): MapIterator<SocketView> {
    for (const socket of this.#sockets.values()) yield this.#view(socket);
  }

  [Symbol.iterator](): MapIterator<[SocketId, SocketView]> {
    return this.entries();
  }

  forEach(fn: (view: SocketView, id: SocketId, map: ReadonlyMap<SocketId, SocketView>) => void) {
    for (const [id, view] of this.entries()) fn(view, id, this);
  }
}
