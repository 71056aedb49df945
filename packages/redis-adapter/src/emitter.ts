import { randomBytes } from "node:crypto";
import type { DefaultEventsMap, EventNames, EventParams, EventsMap } from "@parley/protocol";
import type { BroadcastFlags, ClusterMessage, SerializedBroadcastOptions } from "@parley/server";
import { broadcastChannel, namespaceChannel, type SubscriptionMode } from "./channels.js";
import { encode } from "./codec.js";
import { createLogger, describeError, type Logger } from "./logger.js";
import { DEFAULT_KEY, type EmitterOptions } from "./options.js";
import { OrderedPublisher } from "./publisher.js";
import { type RedisPublisher, watchErrors } from "./redis-client.js";

/** Matches `EMITTER_UID` of `@parley/server`'s cluster messages: applied, never a server. */
const EMITTER_UID = "emitter";

/** Events a server's sockets may never be sent: they are the client's own lifecycle events. */
const RESERVED = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

interface Shared {
  publisher: OrderedPublisher;
  logger: Logger;
  key: string;
  mode: SubscriptionMode;
  /** Random per emitter: with `sent`, unique ids for its broadcasts. */
  epoch: string;
  sent: number;
}

/**
 * Emits to a Parley cluster from a process that is not a server (a worker, a cron job): it
 * speaks the adapter's channel protocol over one publishing Redis client, and never
 * subscribes. `new Emitter(client, { key })` must use the servers' `key` and modes.
 *
 *   const emitter = new Emitter(redis);
 *   emitter.to("room1").emit("news", { title: "…" });
 *   emitter.of("/admin").socketsJoin("audit");
 *
 * Operations have no acknowledgements (an emitter is not a server and gets no answers).
 * `flush()` resolves once everything emitted so far reached Redis.
 */
export class Emitter<
  Emit extends EventsMap = DefaultEventsMap,
  ServerSide extends EventsMap = DefaultEventsMap,
> {
  readonly nsp: string;
  readonly #shared: Shared;
  readonly #rooms: ReadonlySet<string>;
  readonly #except: ReadonlySet<string>;
  readonly #flags: Readonly<BroadcastFlags>;

  constructor(client: RedisPublisher, opts?: EmitterOptions, nsp?: string);
  /** @internal */
  constructor(
    shared: Shared,
    nsp: string,
    rooms: ReadonlySet<string>,
    except: ReadonlySet<string>,
    flags: BroadcastFlags,
  );
  constructor(
    source: RedisPublisher | Shared,
    optsOrNsp?: EmitterOptions | string,
    nspOrRooms?: string | ReadonlySet<string>,
    except?: ReadonlySet<string>,
    flags?: BroadcastFlags,
  ) {
    if ("publisher" in source) {
      this.#shared = source;
      this.nsp = optsOrNsp as string;
      this.#rooms = nspOrRooms as ReadonlySet<string>;
      this.#except = except ?? new Set();
      this.#flags = flags ?? {};
      return;
    }
    const opts = (optsOrNsp ?? {}) as EmitterOptions;
    const logger = createLogger(opts.debug);
    watchErrors(source, logger, "emitter");
    this.#shared = {
      publisher: new OrderedPublisher(source, opts.pubsub ?? "auto", logger),
      logger,
      key: opts.key ?? DEFAULT_KEY,
      mode: opts.subscriptionMode ?? "dynamic",
      epoch: randomBytes(6).toString("base64url"),
      sent: 0,
    };
    this.nsp = normalizeNsp((nspOrRooms as string | undefined) ?? "/");
    this.#rooms = new Set();
    this.#except = new Set();
    this.#flags = {};
  }

  /** An emitter for another namespace (same client and options). */
  of(nsp: string): Emitter<Emit, ServerSide> {
    return new Emitter<Emit, ServerSide>(this.#shared, normalizeNsp(nsp), new Set(), new Set(), {});
  }

  /** Targets the sockets in `room` (several calls or an array: the union). */
  to(room: string | string[]): Emitter<Emit, ServerSide> {
    return this.#with(union(this.#rooms, room), this.#except, this.#flags);
  }

  in(room: string | string[]): Emitter<Emit, ServerSide> {
    return this.to(room);
  }

  /** Leaves out the sockets in `room`. */
  except(room: string | string[]): Emitter<Emit, ServerSide> {
    return this.#with(this.#rooms, union(this.#except, room), this.#flags);
  }

  /** Recipients whose connection cannot take the packet right now skip it. */
  get volatile(): Emitter<Emit, ServerSide> {
    return this.#with(this.#rooms, this.#except, { ...this.#flags, volatile: true });
  }

  compress(compress: boolean): Emitter<Emit, ServerSide> {
    return this.#with(this.#rooms, this.#except, { ...this.#flags, compress });
  }

  /** Emits to every targeted socket of the cluster. */
  emit<Ev extends EventNames<Emit>>(ev: Ev, ...args: EventParams<Emit, Ev>): true {
    if (RESERVED.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
    if (typeof args[args.length - 1] === "function") {
      throw new Error("an emitter cannot receive acknowledgements");
    }
    const opts = this.#opts();
    this.#publish(
      broadcastChannel(this.#shared.key, this.nsp, this.#shared.mode, { rooms: opts.rooms }),
      {
        type: "broadcast",
        packet: { type: 2, nsp: this.nsp, data: [ev, ...args] },
        opts,
        // Its id across the cluster: a session handed over between two servers that both
        // kept it for connection state recovery gets it once.
        id: `${this.#shared.epoch}.${(this.#shared.sent++).toString(36)}`,
      },
    );
    return true;
  }

  /** Makes the targeted sockets join `rooms`. */
  socketsJoin(rooms: string | string[]): void {
    const list = Array.isArray(rooms) ? rooms : [rooms];
    this.#publish(this.#nspChannel(), { type: "sockets-join", opts: this.#opts(), rooms: list });
  }

  /** Makes the targeted sockets leave `rooms`. */
  socketsLeave(rooms: string | string[]): void {
    const list = Array.isArray(rooms) ? rooms : [rooms];
    this.#publish(this.#nspChannel(), { type: "sockets-leave", opts: this.#opts(), rooms: list });
  }

  /** Disconnects the targeted sockets; with `close`, ends their whole connections. */
  disconnectSockets(close = false): void {
    this.#publish(this.#nspChannel(), { type: "disconnect-sockets", opts: this.#opts(), close });
  }

  /** Emits `ev` on this namespace of every server (`io.on(ev, …)` there). No ack. */
  serverSideEmit<Ev extends EventNames<ServerSide>>(
    ev: Ev,
    ...args: EventParams<ServerSide, Ev>
  ): true {
    if (typeof args[args.length - 1] === "function") {
      throw new Error("an emitter cannot receive acknowledgements");
    }
    this.#publish(this.#nspChannel(), { type: "server-side-emit", packet: [ev, ...args] });
    return true;
  }

  /** Resolves once everything emitted so far was sent to Redis (or failed, logged). */
  flush(): Promise<void> {
    return this.#shared.publisher.flush();
  }

  #with(
    rooms: ReadonlySet<string>,
    except: ReadonlySet<string>,
    flags: BroadcastFlags,
  ): Emitter<Emit, ServerSide> {
    return new Emitter<Emit, ServerSide>(this.#shared, this.nsp, rooms, except, flags);
  }

  #opts(): SerializedBroadcastOptions {
    return { rooms: [...this.#rooms], except: [...this.#except], flags: { ...this.#flags } };
  }

  #nspChannel(): string {
    return namespaceChannel(this.#shared.key, this.nsp);
  }

  #publish(channel: string, body: DistributiveOmit<ClusterMessage, "uid" | "nsp">): void {
    const message = { ...body, uid: EMITTER_UID, nsp: this.nsp };
    const { publisher, logger } = this.#shared;
    publisher.send(channel, encode(message)).catch((err: unknown) => {
      logger.warn("publish", `emitter could not publish on ${channel}: ${describeError(err)}`);
    });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function normalizeNsp(nsp: string): string {
  return nsp.startsWith("/") ? nsp : `/${nsp}`;
}

function union(set: ReadonlySet<string>, add: string | string[]): Set<string> {
  const out = new Set(set);
  for (const room of Array.isArray(add) ? add : [add]) out.add(room);
  return out;
}

export type { SubscriptionMode } from "./channels.js";
export type { EmitterOptions } from "./options.js";
export type { PubSubMode, RedisPublisher } from "./redis-client.js";
