import {
  type EventNames,
  type EventParams,
  type EventsMap,
  type Packet,
  PacketType,
} from "@parley/protocol";
import { AckTimeoutError } from "./acks.js";
import type {
  Adapter,
  BroadcastFlags,
  BroadcastOptions,
  Room,
  SocketId,
} from "./adapter/adapter.js";
import { debugLog } from "./debug.js";
import { type RemoteSocket, toRemoteSocket } from "./remote-socket.js";
import { SOCKET_RESERVED_EVENTS } from "./socket-types.js";
import type {
  AckEmitArgs,
  AckEventNames,
  BroadcastAckReplies,
  BroadcastTimedEmitArgs,
} from "./typed-emitter.js";

const log = debugLog("parley:broadcast-operator", "socket.io:broadcast-operator");

export type BroadcastFlagsInput = Readonly<BroadcastFlags>;

/** The error a timed-out broadcast ack gets: the replies that did arrive are on it. */
export interface BroadcastAckError extends Error {
  responses?: unknown[];
}

/**
 * Targets a set of sockets: `to/in` add rooms, `except` removes rooms, `volatile`, `compress`,
 * `local` and `timeout` set flags. Immutable: every modifier returns a NEW operator, so
 * `io.to("a")` followed by `io.emit(...)` does not keep the room.
 */
export class BroadcastOperator<
  Emit extends EventsMap,
  // biome-ignore lint/suspicious/noExplicitAny: socket.data is untyped unless the user types it
  SocketData = any,
  Timed extends boolean = false,
> {
  readonly #adapter: Adapter;
  readonly #rooms: ReadonlySet<Room>;
  readonly #except: ReadonlySet<Room>;
  readonly #flags: BroadcastFlagsInput;

  constructor(
    adapter: Adapter,
    rooms: ReadonlySet<Room> = new Set(),
    except: ReadonlySet<Room> = new Set(),
    flags: BroadcastFlagsInput = {},
  ) {
    this.#adapter = adapter;
    this.#rooms = rooms;
    this.#except = except;
    this.#flags = flags;
  }

  /** Targets the sockets in `room` (several calls or an array: the union). */
  to(room: Room | Room[]): BroadcastOperator<Emit, SocketData, Timed> {
    return new BroadcastOperator(
      this.#adapter,
      union(this.#rooms, room),
      this.#except,
      this.#flags,
    );
  }

  in(room: Room | Room[]): BroadcastOperator<Emit, SocketData, Timed> {
    return this.to(room);
  }

  /** Leaves out the sockets in `room`. */
  except(room: Room | Room[]): BroadcastOperator<Emit, SocketData, Timed> {
    return new BroadcastOperator(
      this.#adapter,
      this.#rooms,
      union(this.#except, room),
      this.#flags,
    );
  }

  compress(compress: boolean): BroadcastOperator<Emit, SocketData, Timed> {
    return this.#withFlags({ compress });
  }

  /** Recipients whose connection cannot take the packet right now skip it. */
  get volatile(): BroadcastOperator<Emit, SocketData, Timed> {
    return this.#withFlags({ volatile: true });
  }

  /** Only this server's sockets, even with a cluster adapter. */
  get local(): BroadcastOperator<Emit, SocketData, Timed> {
    return this.#withFlags({ local: true });
  }

  /** Acks wait at most `ms` for every client's reply. */
  timeout(ms: number): BroadcastOperator<Emit, SocketData, true> {
    return this.#withFlags({ timeout: ms }) as unknown as BroadcastOperator<Emit, SocketData, true>;
  }

  #withFlags(flags: BroadcastFlags): BroadcastOperator<Emit, SocketData, Timed> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, {
      ...this.#flags,
      ...flags,
    });
  }

  #options(): BroadcastOptions {
    return { rooms: this.#rooms, except: this.#except, flags: this.#flags };
  }

  /**
   * Emits to every targeted socket. With a trailing callback (needs `timeout(ms)`), it is
   * called once: `(null, replies)` when every client answered, or `(err, replies so far)`.
   */
  emit<Ev extends EventNames<Emit>>(
    ev: Ev,
    ...args: Timed extends true ? BroadcastTimedEmitArgs<Emit, Ev> : EventParams<Emit, Ev>
  ): boolean {
    if (SOCKET_RESERVED_EVENTS.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
    const data: unknown[] = [ev, ...(args as unknown[])];
    const packet: Packet = { type: PacketType.EVENT, nsp: "/", data };
    const last = data[data.length - 1];
    if (typeof last !== "function") {
      this.#adapter.broadcast(packet, this.#options());
      return true;
    }
    data.pop();
    this.#emitWithAck(packet, last as (err: Error | null, replies: unknown) => void);
    return true;
  }

  #emitWithAck(packet: Packet, ack: (err: Error | null, replies: unknown) => void): void {
    const timeout = this.#flags.timeout;
    if (timeout === undefined) {
      throw new Error("a broadcast with an acknowledgement needs a timeout: use .timeout(ms)");
    }
    const single = this.#flags.expectSingleResponse === true;
    const adapter = this.#adapter;
    const responses: unknown[] = [];
    let expectedServers = -1;
    let servers = 0;
    let expectedClients = 0;
    let done = false;
    const finish = (err: BroadcastAckError | null) => {
      done = true;
      clearTimeout(timer);
      if (err !== null) err.responses = responses;
      ack(err, single ? (responses[0] ?? null) : responses);
    };
    const timer = setTimeout(() => {
      if (done) return;
      const id = packet.id;
      log("operation has timed out");
      if (id !== undefined)
        for (const socket of adapter.nsp.sockets.values()) socket._forgetAck(id);
      finish(new AckTimeoutError());
    }, timeout);
    const check = () => {
      if (!done && servers === expectedServers && responses.length === expectedClients) {
        finish(null);
      }
    };
    adapter.broadcastWithAck(
      packet,
      this.#options(),
      (clientCount) => {
        expectedClients += clientCount;
        servers++;
        check();
      },
      (reply) => {
        responses.push(reply);
        check();
      },
    );
    adapter.serverCount().then(
      (count) => {
        expectedServers = count;
        check();
      },
      (err: unknown) => {
        if (!done) finish(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  /** Like `emit` with an ack, as a promise of every client's reply. Needs `timeout(ms)`. */
  emitWithAck<Ev extends AckEventNames<Emit>>(
    ev: Ev,
    ...args: AckEmitArgs<Emit, Ev>
  ): Promise<BroadcastAckReplies<Emit, Ev>> {
    return new Promise((resolve, reject) => {
      const callback = (err: Error | null, replies: unknown) => {
        if (err !== null) reject(err);
        else resolve(replies as BroadcastAckReplies<Emit, Ev>);
      };
      const emit = this.emit as (ev: string, ...rest: unknown[]) => boolean;
      emit.call(this, ev, ...(args as unknown[]), callback);
    });
  }

  /** The targeted sockets: live sockets on this server, proxies for those of other servers. */
  async fetchSockets(): Promise<RemoteSocket<Emit, SocketData>[]> {
    const found = await this.#adapter.fetchSockets(this.#options());
    return found.map((details) => toRemoteSocket<Emit, SocketData>(this.#adapter, details));
  }

  /** Ids of the targeted local sockets. Prefer `fetchSockets()`, which also sees the cluster. */
  allSockets(): Promise<Set<SocketId>> {
    return this.#adapter.sockets(this.#rooms);
  }

  /**
   * Makes the targeted sockets join `room`, on every server. The promise (which socket.io's
   * method does not return) settles once they have, with an adapter's room subscriptions in
   * place: a broadcast after `await` reaches them. It never rejects.
   */
  socketsJoin(room: Room | Room[]): Promise<void> {
    return Promise.resolve(
      this.#adapter.addSockets(this.#options(), Array.isArray(room) ? room : [room]),
    );
  }

  /** Makes the targeted sockets leave `room`, on every server; a promise as `socketsJoin`'s. */
  socketsLeave(room: Room | Room[]): Promise<void> {
    return Promise.resolve(
      this.#adapter.delSockets(this.#options(), Array.isArray(room) ? room : [room]),
    );
  }

  /** Disconnects the targeted sockets; with `close`, ends their whole connections. */
  disconnectSockets(close = false): void {
    this.#adapter.disconnectSockets(this.#options(), close);
  }
}

function union(set: ReadonlySet<Room>, add: Room | Room[]): Set<Room> {
  const out = new Set(set);
  if (Array.isArray(add)) for (const room of add) out.add(room);
  else out.add(add);
  return out;
}
