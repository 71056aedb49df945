import {
  type AllButLast,
  type DecorateAcknowledgements,
  type DefaultEventsMap,
  type EventNames,
  type EventParams,
  type EventsMap,
  type Last,
  type Packet,
  PacketType,
  RESERVED_EVENTS,
} from "@parley/protocol";
import { type AnyListener, callAll, Emitter, type ListenerMap, sub } from "./emitter.js";
import type { Manager, OutgoingPacket } from "./manager.js";
import type { Auth, AuthData, DisconnectReason, SocketOptions } from "./options.js";
import type { TimerHandle } from "./timers.js";

export interface SocketReservedEvents {
  connect: () => void;
  connect_error: (err: Error & { data?: unknown }) => void;
  disconnect: (reason: DisconnectReason, description?: unknown) => void;
}

/** The listener for `Ev`: a reserved event's signature, else the user map's. */
type ListenerOf<L extends EventsMap, Ev> = Ev extends keyof SocketReservedEvents
  ? SocketReservedEvents[Ev]
  : Ev extends keyof L
    ? L[Ev]
    : never;

type ListenNames<L extends EventsMap> = EventNames<L> | "connect" | "connect_error" | "disconnect";

/** The value an ack resolves to: the first ack argument, after the error when decorated. */
type AckValue<Fn> = Fn extends (...args: infer A) => unknown
  ? A extends [infer First, infer Second, ...unknown[]]
    ? [First] extends [Error | null]
      ? [Error | null] extends [First]
        ? Second
        : First
      : First
    : A extends [infer Only, ...unknown[]]
      ? Only
      : undefined
  : never;

/** A catch-all listener (`onAny`, `onAnyOutgoing`): the event name, then its arguments. */
export type AnyEventListener = (event: string, ...args: unknown[]) => void;

/** `list` without `listener`, or empty when no listener is given. */
function without(list: AnyEventListener[], listener?: AnyEventListener): AnyEventListener[] {
  return listener ? list.filter((l) => l !== listener) : [];
}

interface Flags {
  volatile?: boolean;
  /** `compress(false)`: the engine's send option (packetCreate shows it, `ws` honours it). */
  compress?: boolean;
  timeout?: number;
  /** The ack takes an error first: set by emitWithAck and by the retry queue. */
  errorFirst?: boolean;
}

interface PendingAck {
  fn: AnyListener;
  /** The callback takes an error first (`timeout()`, `ackTimeout`, retries). */
  withError: boolean;
  timer?: TimerHandle;
}

interface QueuedEmit {
  args: unknown[];
  flags: Flags;
  tries: number;
  pending: boolean;
}

/**
 * Listener registration, typed over the reserved events and the ServerToClient map. Declared
 * here and merged into the class below, so that the typing costs no runtime code (overrides
 * that only called `super` cost the browser bundle ~50 B): the methods are the Emitter's.
 */
export interface Socket<
  ServerToClient extends EventsMap = DefaultEventsMap,
  // biome-ignore lint/correctness/noUnusedVariables: a merged declaration repeats the class's type parameters
  ClientToServer extends EventsMap = ServerToClient,
> {
  on<Ev extends ListenNames<ServerToClient>>(
    event: Ev,
    listener: ListenerOf<ServerToClient, Ev>,
  ): this;
  once<Ev extends ListenNames<ServerToClient>>(
    event: Ev,
    listener: ListenerOf<ServerToClient, Ev>,
  ): this;
  off<Ev extends ListenNames<ServerToClient>>(
    event?: Ev,
    listener?: ListenerOf<ServerToClient, Ev>,
  ): this;
  listeners<Ev extends ListenNames<ServerToClient>>(event: Ev): ListenerOf<ServerToClient, Ev>[];
}

/**
 * A Socket.IO client socket: one namespace on a Manager's connection. Emits while
 * disconnected are buffered and sent in order on (re)connect; volatile ones are dropped.
 *
 * `ServerToClient` types the events this socket receives, `ClientToServer` those it emits.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above holds only methods the Emitter base class defines, no uninitialized properties
export class Socket<
  ServerToClient extends EventsMap = DefaultEventsMap,
  ClientToServer extends EventsMap = ServerToClient,
> extends Emitter<ListenerMap> {
  readonly io: Manager;
  readonly nsp: string;
  id: string | undefined;
  connected = false;
  /** True when the server restored this session's state after a reconnection. */
  recovered = false;
  /**
   * Why the last connection did not recover the session it asked for (a Parley server's
   * code: "session_unknown", "session_expired", "history_evicted", "holder_unreachable",
   * "handover_failed"); undefined when it recovered, asked for nothing, or the server does
   * not say. Packets may have been missed: the app should refetch its state.
   * (`declare`: no field initializer in the browser bundle, which has bytes to spare for none.)
   */
  declare recoveryFailure: string | undefined;
  auth: Auth | undefined;
  receiveBuffer: unknown[][] = [];
  sendBuffer: OutgoingPacket[] = [];
  readonly #opts: SocketOptions;
  #ids = 0;
  #acks = new Map<number, PendingAck>();
  #flags: Flags = {};
  #subs: (() => void)[] | undefined;
  #any: AnyEventListener[] = [];
  #anyOutgoing: AnyEventListener[] = [];
  /**
   * @internal The `retries` queue, head in flight. socket.io-client's name: its tests read
   * the length (the name costs the browser bundles nothing: `_` members are mangled there).
   */
  _queue: QueuedEmit[] = [];
  #pid: string | undefined;
  #offset: string | undefined;

  constructor(io: Manager, nsp: string, opts: SocketOptions) {
    super();
    this.io = io;
    this.nsp = nsp;
    this.#opts = opts;
    this.auth = opts.auth;
    if (io._autoConnect) this.open();
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  /** True while the socket is connected or will (re)connect on its own. */
  get active(): boolean {
    return this.#subs !== undefined;
  }

  connect(): this {
    if (this.connected) return this;
    if (!this.#subs) {
      const io = this.io;
      this.#subs = [
        sub(io, "open", () => this.#onOpen()),
        sub(io, "packet", (packet: Packet) => this.#onPacket(packet)),
        sub(io, "error", (err: Error) => {
          if (!this.connected) this._emit("connect_error", err);
        }),
        sub(io, "close", (reason: DisconnectReason, description?: unknown) =>
          this.#onClose(reason, description),
        ),
      ];
    }
    if (!this.io._reconnecting) this.io.open();
    if (this.io._readyState === "open") this.#onOpen();
    return this;
  }

  open(): this {
    return this.connect();
  }

  disconnect(): this {
    const wasConnected = this.connected;
    if (wasConnected) this.#packet({ type: PacketType.DISCONNECT, nsp: this.nsp });
    this.#destroy();
    if (wasConnected) this.#onClose("io client disconnect");
    return this;
  }

  close(): this {
    return this.disconnect();
  }

  /** Emits a `message` event. */
  send(...args: unknown[]): this {
    return (this.emit as (ev: string, ...rest: unknown[]) => this)("message", ...args);
  }

  emit<Ev extends EventNames<ClientToServer>>(
    event: Ev,
    ...args: EventParams<ClientToServer, Ev>
  ): this {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const flags = this.#takeFlags();
    if (this.#opts.retries && !flags.volatile) {
      this.#enqueue(event, args as unknown[], flags);
      return this;
    }
    return this.#emit(event, args as unknown[], flags);
  }

  /**
   * Emits and resolves with the ack. Rejects on timeout when one applies, and, as
   * socket.io-client, with "socket has been disconnected" when the connection ends first.
   */
  emitWithAck<Ev extends EventNames<ClientToServer>>(
    event: Ev,
    ...args: AllButLast<EventParams<ClientToServer, Ev>>
  ): Promise<AckValue<Last<EventParams<ClientToServer, Ev>>>> {
    // The ack is always error-first, so that a disconnect can reject it (see #onClose).
    this.#flags.errorFirst = true;
    return new Promise((resolve, reject) => {
      (this.emit as (ev: string, ...rest: unknown[]) => this)(
        event,
        ...(args as unknown[]),
        (err: unknown, value: never) => (err ? reject(err) : resolve(value)),
      );
    });
  }

  get volatile(): this {
    this.#flags.volatile = true;
    return this;
  }

  /**
   * Whether the next emit may be compressed (default true): `ws` in Node honours it when the
   * server accepted permessage-deflate; browsers cannot choose per message.
   */
  compress(compress: boolean): this {
    this.#flags.compress = compress;
    return this;
  }

  /** The next emit's ack gets `(err, ...args)`, with an error after `ms` without an answer. */
  timeout(ms: number): Socket<ServerToClient, DecorateAcknowledgements<ClientToServer>> {
    this.#flags.timeout = ms;
    return this as unknown as Socket<ServerToClient, DecorateAcknowledgements<ClientToServer>>;
  }

  onAny(listener: AnyEventListener): this {
    this.#any.push(listener);
    return this;
  }

  prependAny(listener: AnyEventListener): this {
    this.#any.unshift(listener);
    return this;
  }

  offAny(listener?: AnyEventListener): this {
    this.#any = without(this.#any, listener);
    return this;
  }

  listenersAny(): AnyEventListener[] {
    return this.#any.slice();
  }

  onAnyOutgoing(listener: AnyEventListener): this {
    this.#anyOutgoing.push(listener);
    return this;
  }

  prependAnyOutgoing(listener: AnyEventListener): this {
    this.#anyOutgoing.unshift(listener);
    return this;
  }

  offAnyOutgoing(listener?: AnyEventListener): this {
    this.#anyOutgoing = without(this.#anyOutgoing, listener);
    return this;
  }

  listenersAnyOutgoing(): AnyEventListener[] {
    return this.#anyOutgoing.slice();
  }

  #takeFlags(): Flags {
    const flags = this.#flags;
    this.#flags = {};
    return flags;
  }

  #emit(event: string, args: unknown[], flags: Flags): this {
    const data: unknown[] = [event, ...args];
    const packet: OutgoingPacket = {
      type: PacketType.EVENT,
      nsp: this.nsp,
      data,
      options: { compress: flags.compress !== false },
    };
    if (typeof data[data.length - 1] === "function") {
      const id = this.#ids++;
      this.#registerAck(id, data.pop() as AnyListener, flags);
      packet.id = id;
    }
    const engine = this.io.engine;
    // A deadline passed unnoticed (throttled timer): buffered for the next connection.
    const connected = this.connected && !engine?._hasPingExpired();
    if (flags.volatile && (!connected || !engine?.transport?.writable)) {
      // Volatile: better lost than late.
    } else if (connected) {
      this.#notifyOutgoing(data);
      this.#packet(packet);
    } else {
      this.sendBuffer.push(packet);
    }
    return this;
  }

  #registerAck(id: number, fn: AnyListener, flags: Flags): void {
    const timeout = flags.timeout ?? this.#opts.ackTimeout;
    const pending: PendingAck = { fn, withError: timeout !== undefined || !!flags.errorFirst };
    if (timeout !== undefined) {
      pending.timer = this.io._timers.set(() => {
        this.#acks.delete(id);
        // Not sent yet: it is too late to send it at all.
        this.sendBuffer = this.sendBuffer.filter((p) => p.id !== id);
        callAll([fn], [new Error("operation has timed out")], this);
      }, timeout);
    }
    this.#acks.set(id, pending);
  }

  /** Retries mode: one packet in flight at a time, each resent until acked or out of tries. */
  #enqueue(event: string, args: unknown[], flags: Flags): void {
    const ack = typeof args[args.length - 1] === "function" ? (args.pop() as AnyListener) : null;
    const item: QueuedEmit = {
      args: [event, ...args],
      flags: { ...flags, errorFirst: true },
      tries: 0,
      pending: false,
    };
    item.args.push((err: unknown, ...response: unknown[]) => {
      if (item !== this._queue[0]) return;
      if (err == null) {
        this._queue.shift();
        ack?.call(this, null, ...response);
      } else if (item.tries > (this.#opts.retries ?? 0)) {
        this._queue.shift();
        ack?.call(this, err);
      }
      item.pending = false;
      this.#drainQueue();
    });
    this._queue.push(item);
    this.#drainQueue();
  }

  #drainQueue(force = false): void {
    const item = this._queue[0];
    if (!this.connected || !item || (item.pending && !force)) return;
    item.pending = true;
    item.tries++;
    const [event, ...args] = item.args as [string, ...unknown[]];
    this.#emit(event, args, item.flags);
  }

  #notifyOutgoing(data: unknown[]): void {
    if (this.#anyOutgoing.length) callAll(this.#anyOutgoing.slice(), data, this);
  }

  #packet(packet: OutgoingPacket): void {
    packet.nsp = this.nsp;
    this.io._packet(packet);
  }

  #onOpen(): void {
    const send = (data: AuthData | undefined) => {
      this.#packet({
        type: PacketType.CONNECT,
        nsp: this.nsp,
        data: this.#pid ? { pid: this.#pid, offset: this.#offset, ...data } : data,
      });
    };
    if (typeof this.auth === "function") this.auth(send);
    else send(this.auth);
  }

  #onPacket(packet: Packet): void {
    if (packet.nsp !== this.nsp) return;
    const data = packet.data;
    switch (packet.type) {
      case PacketType.CONNECT: {
        const d = data as { sid?: unknown; pid?: unknown; recoveryFailure?: unknown } | undefined;
        if (typeof d?.sid === "string") {
          this.recoveryFailure =
            typeof d.recoveryFailure === "string" ? d.recoveryFailure : undefined;
          this.#onConnect(d.sid, typeof d.pid === "string" ? d.pid : undefined);
        } else {
          this._emit("connect_error", new Error("invalid CONNECT reply"));
        }
        return;
      }
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT: {
        const args = (data as unknown[]).slice();
        if (packet.id !== undefined) args.push(this.#ack(packet.id));
        if (this.connected) this.#emitEvent(args);
        else this.receiveBuffer.push(args);
        return;
      }
      case PacketType.ACK:
      case PacketType.BINARY_ACK: {
        const pending = this.#acks.get(packet.id as number);
        // Unknown ids (duplicates, or acks the server made up) are ignored.
        if (!pending) return;
        this.#acks.delete(packet.id as number);
        const args = data as unknown[];
        this.io._timers.clear(pending.timer);
        callAll([pending.fn], pending.withError ? [null, ...args] : args, this);
        return;
      }
      case PacketType.DISCONNECT:
        this.#destroy();
        this.#onClose("io server disconnect");
        return;
      case PacketType.CONNECT_ERROR: {
        this.#destroy();
        const d = data as { message?: unknown; data?: unknown } | string;
        const err: Error & { data?: unknown } = new Error(
          typeof d === "string" ? d : String(d.message),
        );
        if (typeof d === "object" && "data" in d) err.data = d.data;
        this._emit("connect_error", err);
        return;
      }
    }
  }

  #emitEvent(args: unknown[]): void {
    if (this.#any.length) callAll(this.#any.slice(), args, this);
    const [event, ...rest] = args as [string, ...unknown[]];
    this._emit(event, ...rest);
    // Connection state recovery: the server appends each event's offset as a last string.
    const last = args[args.length - 1];
    if (this.#pid && typeof last === "string") this.#offset = last;
  }

  #ack(id: number): (...args: unknown[]) => void {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      this.#packet({ type: PacketType.ACK, nsp: this.nsp, id, data: args });
    };
  }

  #onConnect(id: string, pid: string | undefined): void {
    this.id = id;
    this.recovered = pid !== undefined && this.#pid === pid;
    this.#pid = pid;
    this.connected = true;
    for (const args of this.receiveBuffer.splice(0)) this.#emitEvent(args);
    for (const packet of this.sendBuffer.splice(0)) {
      this.#notifyOutgoing(packet.data as unknown[]);
      this.#packet(packet);
    }
    this.#drainQueue(true);
    this._emit("connect");
  }

  #onClose(reason: DisconnectReason, description?: unknown): void {
    if (!this.connected) return;
    this.connected = false;
    this.id = undefined;
    this._emit("disconnect", ...(description === undefined ? [reason] : [reason, description]));
    // Acks whose packet already left will never be answered on this session.
    for (const [id, pending] of this.#acks) {
      if (this.sendBuffer.some((p) => p.id === id)) continue;
      this.#acks.delete(id);
      this.io._timers.clear(pending.timer);
      if (pending.withError) {
        callAll([pending.fn], [new Error("socket has been disconnected")], this);
      }
    }
  }

  #destroy(): void {
    if (!this.#subs) return;
    for (const off of this.#subs) off();
    this.#subs = undefined;
    this.io._destroy(this as unknown as Socket);
  }
}
