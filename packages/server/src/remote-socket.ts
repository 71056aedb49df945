import type { EventNames, EventParams, EventsMap } from "@parley/protocol";
import type { Adapter, AdapterSocket, Room, SocketDetails, SocketId } from "./adapter/adapter.js";
import { BroadcastOperator } from "./broadcast-operator.js";
import type { Handshake } from "./socket-types.js";
import type { AckEmitArgs, AckEventNames, AckReply, TimedEmitArgs } from "./typed-emitter.js";

/** An emitter whose acks get `(err, reply)`: `socket.timeout(ms)` or `remoteSocket.timeout(ms)`. */
export interface TimedEmitter<Map extends EventsMap> {
  emit<Ev extends EventNames<Map>>(ev: Ev, ...args: TimedEmitArgs<Map, Ev>): boolean;
  emitWithAck<Ev extends AckEventNames<Map>>(
    ev: Ev,
    ...args: AckEmitArgs<Map, Ev>
  ): Promise<AckReply<Map, Ev>>;
}

/**
 * What `fetchSockets()` returns for each socket, wherever it lives: the live `Socket` for a
 * socket of this server, a proxy that acts through the adapter for one of another server.
 */
export interface RemoteSocket<
  Emit extends EventsMap,
  // biome-ignore lint/suspicious/noExplicitAny: socket.data is untyped unless the user types it
  SocketData = any,
> {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  readonly data: SocketData;
  emit<Ev extends EventNames<Emit>>(ev: Ev, ...args: EventParams<Emit, Ev>): boolean;
  timeout(ms: number): TimedEmitter<Emit>;
  join(room: Room | Room[]): Promise<void> | void;
  leave(room: Room): Promise<void> | void;
  disconnect(close?: boolean): this;
}

/** A socket of another server, known by the details its server reported. */
class ClusterSocket<Emit extends EventsMap, SocketData> implements RemoteSocket<Emit, SocketData> {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  readonly data: SocketData;
  readonly #operator: BroadcastOperator<Emit, SocketData>;

  constructor(adapter: Adapter, details: SocketDetails) {
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data as SocketData;
    // A one-socket broadcast whose ack gets a single reply, as `socket.emit` would.
    this.#operator = new BroadcastOperator(adapter, new Set([this.id]), new Set(), {
      expectSingleResponse: true,
    });
  }

  emit<Ev extends EventNames<Emit>>(ev: Ev, ...args: EventParams<Emit, Ev>): boolean {
    const emit = this.#operator.emit as (ev: string, ...rest: unknown[]) => boolean;
    return emit.call(this.#operator, ev, ...(args as unknown[]));
  }

  timeout(ms: number): TimedEmitter<Emit> {
    return this.#operator.timeout(ms) as unknown as TimedEmitter<Emit>;
  }

  /** Joins on the socket's server; the promise settles once it has (never rejects). */
  join(room: Room | Room[]): Promise<void> {
    return this.#operator.socketsJoin(room);
  }

  /** Leaves on the socket's server; the promise settles once it has (never rejects). */
  leave(room: Room): Promise<void> {
    return this.#operator.socketsLeave(room);
  }

  disconnect(close = false): this {
    this.#operator.disconnectSockets(close);
    return this;
  }
}

function isLocalSocket(details: SocketDetails): details is AdapterSocket {
  return typeof (details as Partial<AdapterSocket>)._deliver === "function";
}

/** Local sockets are returned as they are; remote ones get a proxy. */
export function toRemoteSocket<Emit extends EventsMap, SocketData>(
  adapter: Adapter,
  details: SocketDetails,
): RemoteSocket<Emit, SocketData> {
  if (isLocalSocket(details)) return details as unknown as RemoteSocket<Emit, SocketData>;
  return new ClusterSocket<Emit, SocketData>(adapter, details);
}
