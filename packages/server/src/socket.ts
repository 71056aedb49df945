import type { IncomingMessage } from "node:http";
import {
  type DefaultEventsMap,
  type EventNames,
  type EventParams,
  type EventsMap,
  type Packet,
  PacketType,
  RELIABLE_EVENT,
  type ReservedOrUserEventNames,
} from "@parley/protocol";
import { AckRegistry } from "./acks.js";
import type {
  Adapter,
  NotRestored,
  PrivateSessionId,
  RestoredSession,
  Room,
  SocketId,
} from "./adapter/adapter.js";
import { type BroadcastFlagsInput, BroadcastOperator } from "./broadcast-operator.js";
import { CatchAllListeners } from "./catch-all-listeners.js";
import type { Client } from "./client.js";
import { connectErrorPacket, connectPacket } from "./connect-packets.js";
import { debugLog } from "./debug.js";
import type { EngineConnection, PreparedMessage } from "./engine/contract.js";
import { randomId } from "./engine/random-id.js";
import { buildHandshake } from "./handshake.js";
import { LEGACY_ENGINE_PROTOCOL, legacySocketId } from "./legacy-v2/socket-protocol-v4.js";
import type { MiddlewareFn } from "./middleware.js";
import type { Namespace } from "./namespace.js";
import { takeAnnouncement } from "./reliable/announcement.js";
import { ReliableChannel } from "./reliable/channel.js";
import { ReliableEmitter } from "./reliable/emitter.js";
import type { Server } from "./server.js";
import { type EmitFlags, SocketEmitter } from "./socket-emitter.js";
import { SocketExtras } from "./socket-extras.js";
import { deliverValidatedEvent, onEvent, refusePayload } from "./socket-incoming.js";
import { persistSession, restoreSession, storeForSocket } from "./socket-recovery.js";
import {
  type AnyListener,
  type DisconnectReason,
  type Event,
  type ExtendedError,
  type Handshake,
  RECOVERABLE_REASONS,
  SOCKET_RESERVED_EVENTS,
  type SocketReservedEvents,
} from "./socket-types.js";
import {
  type AckEmitArgs,
  type AckEventNames,
  type AckReply,
  type ReservedOrUserListener,
  TypedEmitter,
} from "./typed-emitter.js";
import type { InvalidPayloadError } from "./validation/invalid-payload.js";
import { NamespaceValidation } from "./validation/namespace-validation.js";
import type {
  AckCallback,
  StandardSchemaV1,
  ValidatedListener,
} from "./validation/standard-schema.js";

const log = debugLog("parley:socket", "socket.io:socket");

/** A socket's session under connection state recovery: its private id, and when it began. */
interface RecoverableSession {
  readonly pid: PrivateSessionId;
  readonly since: number;
}

/** `Socket#flags` bits. */
const CLOSED = 1;
const OWN_ROOM_ONLY = 2;

/**
 * One client connected to one namespace. Several sockets share one `Client` (one Engine.IO
 * connection) when the client joins several namespaces.
 */
export class Socket<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  ServerSide extends EventsMap = DefaultEventsMap,
  // biome-ignore lint/suspicious/noExplicitAny: socket.data is untyped unless the user types it
  SocketData = any,
> extends TypedEmitter<Listen, SocketReservedEvents> {
  readonly id: SocketId;
  readonly nsp: Namespace<Listen, Emit, ServerSide, SocketData>;
  readonly client: Client;
  connected = false;
  /**
   * Whether this socket took back a session after a temporary disconnection (connection
   * state recovery): same id, rooms and `data`, and the packets it missed were replayed.
   */
  readonly recovered: boolean;

  // Rarely used state is allocated on first use: an idle socket is a few fields, not a few
  // objects (see docs/PERFORMANCE.md, "What a heap snapshot showed"), and the rarest fields
  // share one object (`#extras`): JavaScriptCore sizes an object by its field count, 13–18
  // fields take 160 B and up to 12 take 112 B (PERFORMANCE.md, "Idle memory on Bun, session 7").
  #data: SocketData | undefined;
  /**
   * Built on first read of `handshake`, from the connection, `#auth` and the time the socket
   * was made, which this field holds until then.
   */
  #handshake: Handshake | number;
  #auth: Record<string, unknown> | undefined;
  /**
   * The private session id, sent to the client only, and when the session began (recovery
   * on); one field, undefined when recovery is off.
   */
  readonly #session: RecoverableSession | undefined;
  /**
   * CLOSED; OWN_ROOM_ONLY, the in-memory adapter's mark for a socket in its own room and no
   * other, kept here so that `adapter.sids` needs no entry for it (see `OwnRoomHolder`).
   */
  #flags = 0;
  #extras: SocketExtras | undefined;

  constructor(
    nsp: Namespace<Listen, Emit, ServerSide, SocketData>,
    client: Client,
    auth: Record<string, unknown>,
    session?: RestoredSession | NotRestored,
  ) {
    super();
    this.nsp = nsp;
    this.client = client;
    if (session !== undefined && !("reason" in session)) {
      this.id = session.sid;
      // The session began with its first socket (see FROM_SESSION_START); a session from an
      // adapter that does not keep that began, as far as anyone can tell, now.
      const since = typeof session.since === "number" ? session.since : Date.now();
      this.#session = { pid: session.pid, since };
      this.#data = session.data as SocketData;
      this.recovered = true;
      this.#more.restored = session;
    } else {
      // socket.io-client 2.x derives the id from the Engine.IO id on its side. Others: 20
      // characters of base64url from 15 random bytes (not the Engine.IO sid), as the pid.
      this.id =
        client.conn.protocol === LEGACY_ENGINE_PROTOCOL
          ? legacySocketId(nsp.name, client.id)
          : randomId();
      this.#session =
        nsp._recovery === undefined
          ? undefined
          : { pid: nsp.adapter.newSessionId?.() ?? randomId(), since: Date.now() };
      this.recovered = false;
      if (session !== undefined) this.#more.restored = session;
    }
    const announced = takeAnnouncement(auth);
    if (announced.floor !== undefined) {
      this.#more.reliable = new ReliableChannel(this, announced.floor);
    }
    // Most clients send no auth: an empty object is rebuilt by `handshake` if ever read,
    // instead of being held per socket (~56 bytes).
    this.#auth = hasKeys(announced.auth) ? announced.auth : undefined;
    this.#handshake = Date.now();
  }

  /** `#extras`, made on first use. */
  get #more(): SocketExtras {
    this.#extras ??= new SocketExtras();
    return this.#extras;
  }

  /** What the server learned about this socket when it connected. */
  get handshake(): Handshake {
    const issued = this.#handshake;
    if (typeof issued !== "number") return issued;
    const handshake = buildHandshake(this.client.conn, this.#auth ?? {}, issued);
    this.#handshake = handshake;
    this.#auth = undefined;
    return handshake;
  }

  /** Free-form per-socket storage, also visible through `fetchSockets()`. */
  get data(): SocketData {
    this.#data ??= {} as SocketData;
    return this.#data;
  }

  set data(value: SocketData) {
    this.#data = value;
  }

  /** @internal The in-memory adapter's mark (see `OwnRoomHolder`); set only by it. */
  get _ownRoomOnly(): boolean {
    return (this.#flags & OWN_ROOM_ONLY) !== 0;
  }

  set _ownRoomOnly(value: boolean) {
    this.#flags = value ? this.#flags | OWN_ROOM_ONLY : this.#flags & ~OWN_ROOM_ONLY;
  }

  get #ackRegistry(): AckRegistry {
    const extras = this.#more;
    extras.acks ??= new AckRegistry(this.client.limits.maxPendingAcks, this);
    return extras.acks;
  }

  get server(): Server<Listen, Emit, ServerSide, SocketData> {
    return this.nsp.server;
  }

  get adapter(): Adapter {
    return this.nsp.adapter;
  }

  /** The Engine.IO connection: `socket.conn.transport.name`, `upgrade` events. */
  get conn(): EngineConnection {
    return this.client.conn;
  }

  get request(): IncomingMessage {
    return this.client.conn.request;
  }

  /** Between CONNECT and joining: a packet sent now goes straight to the client, unkept. */
  get #admitting(): boolean {
    return !this.connected && (this.#flags & CLOSED) === 0;
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  /** The rooms this socket is in, its own id included. */
  get rooms(): Set<Room> {
    return this.nsp.adapter.socketRooms(this.id) ?? new Set();
  }

  emit<Ev extends EventNames<Emit>>(ev: Ev, ...args: EventParams<Emit, Ev>): boolean {
    return this._emitWith(NO_FLAGS, ev, args as unknown[]);
  }

  emitWithAck<Ev extends AckEventNames<Emit>>(
    ev: Ev,
    ...args: AckEmitArgs<Emit, Ev>
  ): Promise<AckReply<Emit, Ev>> {
    return this._emitWithAck(NO_FLAGS, ev, args as unknown[]) as Promise<AckReply<Emit, Ev>>;
  }

  /** Emits a `"message"` event. */
  send(...args: unknown[]): this {
    this._emitWith(NO_FLAGS, "message", args);
    return this;
  }

  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** The next emit's ack gets `(err, ...args)`, with an error if no reply came within `ms`. */
  timeout(ms: number) {
    return new SocketEmitter<Emit, true>(this, { timeout: ms });
  }

  get volatile() {
    return new SocketEmitter<Emit, false>(this, { volatile: true });
  }

  compress(compress: boolean) {
    return new SocketEmitter<Emit, false>(this, { compress });
  }

  /**
   * At-least-once emits: `await socket.reliable.emit(ev, ...args)` resolves once the packet
   * is stored; it is then written with an ack id, kept until the client acknowledges it, and
   * written again after a reconnection or failover that restores the session. Needs
   * `connectionStateRecovery`. See "Reliable delivery" in the README.
   */
  get reliable(): ReliableEmitter<Emit> {
    return new ReliableEmitter<Emit>(this._reliable);
  }

  /** Everyone in the namespace but this socket. */
  get broadcast(): BroadcastOperator<Emit, SocketData> {
    return this.#operator({});
  }

  get local(): BroadcastOperator<Emit, SocketData> {
    return this.#operator({ local: true });
  }

  to(room: Room | Room[]): BroadcastOperator<Emit, SocketData> {
    return this.#operator({}).to(room);
  }

  in(room: Room | Room[]): BroadcastOperator<Emit, SocketData> {
    return this.to(room);
  }

  except(room: Room | Room[]): BroadcastOperator<Emit, SocketData> {
    return this.#operator({}).except(room);
  }

  #operator(flags: BroadcastFlagsInput): BroadcastOperator<Emit, SocketData> {
    return new BroadcastOperator(this.nsp.adapter, new Set(), new Set([this.id]), flags);
  }

  /**
   * `on(ev, listener)`, or `on(ev, schema, handler)`: a validated event. The schema (any
   * Standard Schema: zod, valibot, arktype…) checks the event's one payload argument; the
   * handler gets its output and the ack callback, and never runs for a payload it refuses:
   * the client's ack gets `{ error: { code: "INVALID_PAYLOAD", event, issues } }`, or, with
   * no ack, the socket emits `error` with an `InvalidPayloadError`. See the README.
   */
  override on<Ev extends ReservedOrUserEventNames<SocketReservedEvents, Listen>>(
    ev: Ev,
    listener: ReservedOrUserListener<SocketReservedEvents, Listen, Ev>,
  ): this;
  override on<S extends StandardSchemaV1>(
    ev: string,
    schema: S,
    handler: ValidatedListener<S>,
  ): this;
  override on(ev: string, listenerOrSchema: unknown, handler?: unknown): this {
    if (handler === undefined) return super.on(ev, listenerOrSchema as never);
    this.nsp._validation ??= new NamespaceValidation();
    this.nsp._validation.addSocketSchema(this, ev, listenerOrSchema);
    return super.on(ev, handler as never);
  }

  /** Joins one room or several. Synchronous with the in-memory adapter. */
  join(rooms: Room | Room[]): Promise<void> | void {
    if ((this.#flags & CLOSED) !== 0) return;
    // A Set first: `join(["a", "a"])` adds one room, and must count as one against the limit.
    const wanted = new Set(Array.isArray(rooms) ? rooms : [rooms]);
    if (log.enabled) log("join room %s", [...wanted]);
    const max = this.client.limits.maxRoomsPerSocket;
    if (max !== undefined) {
      const current = this.rooms;
      let added = 0;
      for (const room of wanted) if (!current.has(room)) added++;
      // The socket's own room does not count against the limit.
      if (current.size - 1 + added > max) {
        throw Object.assign(new RangeError(`a socket may join at most ${max} rooms`), {
          code: "TOO_MANY_ROOMS",
        });
      }
    }
    return this.nsp.adapter.addAll(this.id, wanted);
  }

  leave(room: Room): Promise<void> | void {
    log("leave room %s", room);
    return this.nsp.adapter.del(this.id, room);
  }

  /** Adds a middleware that sees every incoming event as `[event, ...args]`. */
  use(fn: MiddlewareFn<Event>): this {
    const extras = this.#more;
    extras.fns ??= [];
    extras.fns.push(fn);
    return this;
  }

  /**
   * Leaves the namespace and tells the client. With `close`, ends the whole connection (every
   * namespace of this client).
   */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      this.client._disconnectAll();
    } else {
      this._sendPacket({ type: PacketType.DISCONNECT, nsp: this.nsp.name });
      this._onclose("server namespace disconnect");
    }
    return this;
  }

  onAny(listener: AnyListener): this {
    const extras = this.#more;
    extras.any = CatchAllListeners.add(extras.any, listener, false);
    return this;
  }

  prependAny(listener: AnyListener): this {
    const extras = this.#more;
    extras.any = CatchAllListeners.add(extras.any, listener, true);
    return this;
  }

  offAny(listener?: AnyListener): this {
    if (this.#extras !== undefined) {
      this.#extras.any = CatchAllListeners.remove(this.#extras.any, listener);
    }
    return this;
  }

  listenersAny(): AnyListener[] {
    return CatchAllListeners.snapshot(this.#extras?.any);
  }

  onAnyOutgoing(listener: AnyListener): this {
    const extras = this.#more;
    extras.anyOutgoing = CatchAllListeners.add(extras.anyOutgoing, listener, false);
    return this;
  }

  prependAnyOutgoing(listener: AnyListener): this {
    const extras = this.#more;
    extras.anyOutgoing = CatchAllListeners.add(extras.anyOutgoing, listener, true);
    return this;
  }

  offAnyOutgoing(listener?: AnyListener): this {
    if (this.#extras !== undefined) {
      this.#extras.anyOutgoing = CatchAllListeners.remove(this.#extras.anyOutgoing, listener);
    }
    return this;
  }

  listenersAnyOutgoing(): AnyListener[] {
    return CatchAllListeners.snapshot(this.#extras?.anyOutgoing);
  }

  override reportListenerError(err: unknown, event: string): void {
    this.nsp.server._reportHandlerError(err, this, event);
  }

  // ---- internals, used by the emitter, the namespace, the client and the adapter ----

  /** @internal */
  _emitWith(flags: EmitFlags, ev: string, args: unknown[]): boolean {
    if (SOCKET_RESERVED_EVENTS.has(ev)) {
      throw new Error(`"${ev}" is a reserved event name`);
    }
    const data = [ev, ...args];
    const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp.name, data };
    const last = data[data.length - 1];
    if (typeof last === "function") {
      data.pop();
      packet.id = this.nsp._nextAckId();
      if (log.enabled) log("emitting packet with ack id %d", packet.id);
      this.#ackRegistry.add(packet.id, last as (...a: unknown[]) => void, flags.timeout);
    } else if (this.#session !== undefined && flags.volatile !== true && !this.#admitting) {
      // Kept for recovery: stored with an offset, through the adapter (socket-recovery.ts).
      storeForSocket(this.nsp.adapter, this.id, packet, flags.compress);
      return true;
    }
    if (this.#extras?.anyOutgoing !== undefined) this.#notifyOutgoing(data);
    this.client._writePacket(packet, flags.volatile === true, flags.compress !== false);
    return true;
  }

  /** @internal */
  _emitWithAck(flags: EmitFlags, ev: string, args: unknown[]): Promise<unknown> {
    const withError = flags.timeout !== undefined;
    return new Promise((resolve, reject) => {
      const ack = (first: unknown, second: unknown) => {
        if (!withError) resolve(first);
        else if (first !== null && first !== undefined) reject(first);
        else resolve(second);
      };
      this._emitWith(flags, ev, [...args, ack]);
    });
  }

  /** @internal Encodes and writes one packet for this socket only. */
  _sendPacket(packet: Packet, flags: EmitFlags = NO_FLAGS): void {
    this.client._writePacket(packet, flags.volatile === true, flags.compress !== false);
  }

  /** @internal This socket's reliable channel, made on first use. */
  get _reliable(): ReliableChannel {
    const extras = this.#more;
    extras.reliable ??= new ReliableChannel(this, undefined);
    return extras.reliable;
  }

  /**
   * @internal Gives the client an offset without an app event: `["parley:reliable", offset]`
   * through the adapter to this socket alone (stored, as `emit` is). A client restores its
   * session only with an offset, and one that got only reliable packets (which carry an ack
   * id, never an offset) would have none. Clients ignore the event: the Parley client's
   * `reliable()` drops it, official clients have no listener for it (`onAny` sees it).
   */
  _sendOffsetMarker(): void {
    if (this.#session === undefined || !this.connected) return;
    const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp.name, data: [RELIABLE_EVENT] };
    storeForSocket(this.nsp.adapter, this.id, packet, undefined);
  }

  /** @internal Writes a reliable packet (stored already) to this socket's client. */
  _writeReliable(packet: Packet, data: unknown[]): void {
    this.#notifyOutgoing(data);
    this._sendPacket(packet);
  }

  /** @internal The private session id (connection state recovery on), for the adapter. */
  get _pid(): PrivateSessionId | undefined {
    return this.#session?.pid;
  }

  /** @internal */
  _deliver(message: PreparedMessage, packet: Packet): void {
    if (this.#extras?.anyOutgoing !== undefined && Array.isArray(packet.data)) {
      this.#notifyOutgoing(packet.data);
    }
    this.client._writePrepared(message);
  }

  /** @internal */
  _registerAck(id: number, ack: (...args: unknown[]) => void, gone?: () => void): void {
    this.#ackRegistry.addRaw(id, ack, gone);
  }

  /** @internal A broadcast gave up waiting: forget its ack. */
  _forgetAck(id: number): void {
    this.#extras?.acks?.delete(id);
  }

  /**
   * @internal The namespace accepted the socket: join its own room (and a recovered
   * session's rooms), replay what a recovered session missed, then confirm to the client.
   */
  _onconnect(): void {
    this.connected = true;
    const extras = this.#extras;
    const taken = extras?.restored;
    if (extras !== undefined) extras.restored = undefined;
    const restored = taken === undefined || "reason" in taken ? undefined : taken;
    if (restored === undefined) this.join(this.id);
    else restoreSession(this.nsp.adapter, this.client, this.id, restored);
    if (log.enabled) log("socket connected - writing packet");
    const failure = taken !== undefined && "reason" in taken ? taken.reason : undefined;
    this._sendPacket(
      connectPacket(this.nsp.name, this.client.conn.protocol, this.id, this.#session?.pid, failure),
    );
    if (restored !== undefined) {
      // Reliable packets it had not acknowledged, before any emitted from now on.
      this._reliable.redeliver();
    } else {
      // A client that announced reliable delivery gets an offset at once (see below).
      this.#extras?.reliable?.markOffset();
    }
  }

  /** @internal A middleware refused the socket. */
  _refuse(err: ExtendedError): void {
    this.#cleanup();
    this._sendPacket(connectErrorPacket(this.nsp.name, this.client.conn.protocol, err));
  }

  /** @internal A packet from the client for this namespace (see socket-incoming.ts). */
  _onpacket(packet: Packet): void {
    // The hot path of every incoming packet: nothing is formatted unless logging is on.
    if (log.enabled) log("got packet %j", packet);
    const type = packet.type;
    if (type === PacketType.EVENT || type === PacketType.BINARY_EVENT) {
      if (this.nsp.server._rateLimiter?.admit(this, packet) === false) return;
      const extras = this.#extras;
      onEvent(this, packet, extras?.any, extras?.fns);
    } else if (type === PacketType.ACK || type === PacketType.BINARY_ACK) {
      this.#extras?.acks?.settle(packet.id as number, packet.data as unknown[]);
    } else if (type === PacketType.DISCONNECT) {
      log("got disconnect packet");
      this._onclose("client namespace disconnect");
    }
  }

  /** @internal An event the rate limiter let through after an asynchronous check. */
  _onAdmittedEvent(packet: Packet): void {
    if (this.connected) onEvent(this, packet, this.#extras?.any, this.#extras?.fns);
  }

  /** @internal An event on its way to the handlers: `[event, ...args]`. */
  _emitIncoming(args: unknown[]): void {
    this.emitLocal(args[0] as string, args.slice(1));
  }

  /**
   * @internal Its connection sent something that does not decode (socket.io's `_onerror`):
   * listeners of `error` hear why, just before the socket disconnects.
   */
  _onerror(err: Error): void {
    if (this.connected) this.emitReserved("error", err);
  }

  /**
   * @internal The socket leaves its namespace: `disconnecting`, cleanup, `disconnect`. Its
   * session is kept for recovery after a `recoverable` reason (by default, those listed above).
   */
  _onclose(
    reason: DisconnectReason,
    description?: unknown,
    recoverable = RECOVERABLE_REASONS.has(reason),
  ): void {
    if (!this.connected) {
      this.#cleanup();
      return;
    }
    if (log.enabled) log("closing socket - reason %s", reason);
    this.emitReserved("disconnecting", reason, description);
    const session = this.#session;
    if (session !== undefined && recoverable) {
      log("connection state recovery is enabled for sid %s", this.id);
      const { id, rooms, data } = this;
      const { pid, since } = session;
      persistSession(this.nsp.adapter, { sid: id, pid, rooms: [...rooms], data, since }, this);
    }
    this.#extras?.reliable?.closed(!recoverable);
    this.#cleanup();
    this.client._remove(this);
    this.connected = false;
    this.#extras?.acks?.clear();
    this.emitReserved("disconnect", reason, description);
  }

  #cleanup(): void {
    if ((this.#flags & CLOSED) !== 0) return;
    this.#flags |= CLOSED;
    this.nsp.adapter.delAll(this.id);
    this.nsp._remove(this);
  }

  /** @internal The schema of `event`: this socket's own, else its namespace's. */
  _schemaFor(event: string): StandardSchemaV1 | undefined {
    return this.nsp._validation?.schemaFor(this, event);
  }

  /** @internal An event that passed validation (or has no schema), in arrival order. */
  _deliverEvent(args: unknown[]): void {
    deliverValidatedEvent(this, args);
  }

  /** @internal A payload its schema refused: to the client's ack, else `error` here. */
  _refusePayload(error: InvalidPayloadError, ack: AckCallback | undefined): void {
    if (this.connected) refusePayload(this, error, ack);
  }

  #notifyOutgoing(data: unknown[]): void {
    this.#extras?.anyOutgoing?.notify(this, data, "anyOutgoing", this);
  }
}

const NO_FLAGS: EmitFlags = Object.freeze({});

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}
