import {
  type DefaultEventsMap,
  type EventNames,
  type EventParams,
  type EventsMap,
  encodePacket,
  type Packet,
  type RawData,
} from "@parley/protocol";
import {
  type Adapter,
  createAdapter,
  FROM_SESSION_START,
  type NotRestored,
  type RecoveryOptions,
  type RestoredSession,
  type Room,
  type SocketId,
} from "./adapter/adapter.js";
import { hostAdapter } from "./adapter/socketio-compat/index.js";
import { BroadcastOperator } from "./broadcast-operator.js";
import type { Client } from "./client.js";
import { debugLog } from "./debug.js";
import type { RoomPublisher } from "./engine/core/hooks.js";
import { type MiddlewareFn, runMiddleware } from "./middleware.js";
import { Presence, type PresenceMember, type PresenceOptions } from "./presence/presence.js";
import { PRESENCE_EVENT } from "./presence/presence-message.js";
import { RELIABLE_NOTIFY_EVENT, readNotice } from "./reliable/notify.js";
import type { RemoteSocket } from "./remote-socket.js";
import type { Server } from "./server.js";
import { Socket } from "./socket.js";
import { NAMESPACE_RESERVED_EVENTS } from "./socket-types.js";
import {
  type AckEmitArgs,
  type AckEventNames,
  type BroadcastAckReplies,
  TypedEmitter,
} from "./typed-emitter.js";
import { NamespaceValidation } from "./validation/namespace-validation.js";
import type { EventSchemaMap, WithSchemas } from "./validation/standard-schema.js";

const log = debugLog("parley:namespace", "socket.io:namespace");

export type NamespaceReservedEvents<
  Listen extends EventsMap,
  Emit extends EventsMap,
  ServerSide extends EventsMap,
  SocketData,
> = {
  connect(socket: Socket<Listen, Emit, ServerSide, SocketData>): void;
  connection(socket: Socket<Listen, Emit, ServerSide, SocketData>): void;
  /** A namespace was created (main namespace only). */
  new_namespace(namespace: Namespace<Listen, Emit, ServerSide, SocketData>): void;
  /**
   * A user callback (listener, middleware, ack) threw or returned a rejected promise
   * (main namespace only). Without a listener, Parley prints it with `console.error`.
   */
  handler_error(
    err: unknown,
    socket: Socket<Listen, Emit, ServerSide, SocketData> | undefined,
    event: string,
  ): void;
};

/**
 * A communication channel: its own sockets, middleware, rooms (through its adapter) and
 * events. `io.of("/chat")`; the main namespace is `io.sockets` ("/").
 */
export class Namespace<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  ServerSide extends EventsMap = DefaultEventsMap,
  // biome-ignore lint/suspicious/noExplicitAny: socket.data is untyped unless the user types it
  SocketData = any,
> extends TypedEmitter<ServerSide, NamespaceReservedEvents<Listen, Emit, ServerSide, SocketData>> {
  readonly name: string;
  readonly server: Server<Listen, Emit, ServerSide, SocketData>;
  /** Connected sockets by id. */
  readonly sockets: Map<SocketId, Socket<Listen, Emit, ServerSide, SocketData>> = new Map();
  adapter!: Adapter;
  /** @internal */
  _fns: MiddlewareFn<Socket<Listen, Emit, ServerSide, SocketData>>[] = [];
  /** @internal The tracker of `trackPresence()`; undefined (no tracking) until then. */
  _presence: Presence<Socket<Listen, Emit, ServerSide, SocketData>, unknown> | undefined;
  /** @internal Validated events (`schemas()`, `socket.on(ev, schema, handler)`); undefined until the first schema. */
  _validation: NamespaceValidation | undefined;
  #ids = 0;
  /** Sockets between CONNECT and joined-or-refused (recovery lookup, middleware). */
  #admitting = 0;

  constructor(server: Server<Listen, Emit, ServerSide, SocketData>, name: string) {
    super();
    this.server = server;
    this.name = name;
    this._initAdapter();
  }

  /** @internal Connection state recovery settings (the server's); undefined when off. */
  get _recovery(): RecoveryOptions | undefined {
    return this.server._recovery;
  }

  /** @internal The engine front's native room publish, if it has one (not on Node). */
  get _roomPublisher(): RoomPublisher | null {
    return (
      (this.server.engine as { roomPublisher?: RoomPublisher | null } | undefined)?.roomPublisher ??
      null
    );
  }

  /** @internal (Re)creates the adapter from the server's adapter class. */
  _initAdapter(): void {
    // socket.io-adapter-based adapters are hosted (socketio-compat/); Parley's pass through.
    this.adapter = hostAdapter(createAdapter(this.server.adapter(), this), this);
    this._presence?._attach(this.adapter);
    Promise.resolve()
      .then(() => this.adapter.init())
      .catch((err: unknown) => {
        log("error while initializing adapter: %s", err);
        this.server._reportHandlerError(err, undefined, "adapter.init");
      });
  }

  /**
   * Validates client events with schemas (any Standard Schema: zod, valibot, arktype…), for
   * every socket of this namespace: `{ chat: z.object({ text: z.string() }) }`. Handlers get
   * the schema's output; a payload it refuses never reaches them (see `socket.on(ev, schema,
   * handler)` for what the client and the app are told). Returns this namespace, typed with
   * the schema events. Without it, incoming events pay nothing for the feature.
   */
  schemas<const Schemas extends EventSchemaMap>(
    schemas: Schemas,
  ): Namespace<WithSchemas<Listen, Schemas>, Emit, ServerSide, SocketData> {
    this._validation ??= new NamespaceValidation();
    this._validation.addSchemas(schemas);
    return this as unknown as Namespace<WithSchemas<Listen, Schemas>, Emit, ServerSide, SocketData>;
  }

  /**
   * Tracks who is in this namespace's rooms across the cluster, by the identity
   * `identify(socket)` gives (read from `socket.data` when the socket joins a room). Returns
   * the tracker: `members(room)`, `on("join" | "leave", change => …)`. Call it once per
   * namespace. Without it, joins and leaves pay nothing for the feature.
   */
  trackPresence<Info = unknown>(
    opts: PresenceOptions<Socket<Listen, Emit, ServerSide, SocketData>, Info>,
  ): Presence<Socket<Listen, Emit, ServerSide, SocketData>, Info> {
    if (this._presence !== undefined)
      throw new Error(`presence is already tracked on ${this.name}`);
    const presence = new Presence(this, opts);
    this._presence = presence;
    return presence;
  }

  /** Who is in `room`, cluster-wide, each identity once (`trackPresence` first). */
  presence(room: Room): PresenceMember[] {
    if (this._presence === undefined) {
      throw new Error(`presence is not tracked on ${this.name}: call trackPresence() first`);
    }
    return this._presence.members(room);
  }

  /** Adds a middleware run for every socket before it joins (`next(err)` refuses it). */
  use(fn: MiddlewareFn<Socket<Listen, Emit, ServerSide, SocketData>>): this {
    this._fns.push(fn);
    return this;
  }

  to(room: Room | Room[]): BroadcastOperator<Emit, SocketData> {
    return this.#operator().to(room);
  }

  in(room: Room | Room[]): BroadcastOperator<Emit, SocketData> {
    return this.#operator().in(room);
  }

  except(room: Room | Room[]): BroadcastOperator<Emit, SocketData> {
    return this.#operator().except(room);
  }

  compress(compress: boolean): BroadcastOperator<Emit, SocketData> {
    return this.#operator().compress(compress);
  }

  get volatile(): BroadcastOperator<Emit, SocketData> {
    return this.#operator().volatile;
  }

  get local(): BroadcastOperator<Emit, SocketData> {
    return this.#operator().local;
  }

  timeout(ms: number): BroadcastOperator<Emit, SocketData, true> {
    return this.#operator().timeout(ms);
  }

  #operator(): BroadcastOperator<Emit, SocketData> {
    return new BroadcastOperator(this.adapter);
  }

  /** Emits to every socket of the namespace. */
  emit<Ev extends EventNames<Emit>>(ev: Ev, ...args: EventParams<Emit, Ev>): boolean {
    return this.#operator().emit(ev, ...args);
  }

  emitWithAck<Ev extends AckEventNames<Emit>>(
    ev: Ev,
    ...args: AckEmitArgs<Emit, Ev>
  ): Promise<BroadcastAckReplies<Emit, Ev>> {
    return this.#operator().emitWithAck(ev, ...args);
  }

  send(...args: unknown[]): this {
    (this.#operator().emit as (ev: string, ...rest: unknown[]) => boolean)("message", ...args);
    return this;
  }

  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /**
   * Emits to the same namespace on every OTHER server of the cluster. A single server has
   * none: the event goes nowhere and a trailing ack is called with `(null, [])`.
   */
  serverSideEmit<Ev extends EventNames<ServerSide>>(
    ev: Ev,
    ...args: EventParams<ServerSide, Ev>
  ): boolean {
    if (NAMESPACE_RESERVED_EVENTS.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
    this.adapter.serverSideEmit([ev, ...(args as unknown[])]);
    return true;
  }

  serverSideEmitWithAck<Ev extends EventNames<ServerSide>>(
    ev: Ev,
    ...args: unknown[]
  ): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      const ack = (err: Error | null, responses: unknown[]) => {
        if (err !== null) reject(Object.assign(err, { responses }));
        else resolve(responses);
      };
      if (NAMESPACE_RESERVED_EVENTS.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
      this.adapter.serverSideEmit([ev, ...args, ack]);
    });
  }

  fetchSockets(): Promise<RemoteSocket<Emit, SocketData>[]> {
    return this.#operator().fetchSockets();
  }

  allSockets(): Promise<Set<SocketId>> {
    return this.#operator().allSockets();
  }

  socketsJoin(room: Room | Room[]): Promise<void> {
    return this.#operator().socketsJoin(room);
  }

  socketsLeave(room: Room | Room[]): Promise<void> {
    return this.#operator().socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.#operator().disconnectSockets(close);
  }

  override reportListenerError(err: unknown, event: string): void {
    this.server._reportHandlerError(err, undefined, event);
  }

  // ---- internals ----

  /** @internal Encodes a packet for every recipient of a broadcast: the server's parser's way. */
  _encode(packet: Packet): readonly RawData[] {
    const parser = this.server._parser;
    return parser === undefined ? encodePacket(packet) : parser.encode(packet);
  }

  /** @internal */
  _nextAckId(): number {
    const id = this.#ids;
    // Wrap well before 2^53 so ids stay safe integers forever.
    this.#ids = id >= Number.MAX_SAFE_INTEGER - 1 ? 0 : id + 1;
    return id;
  }

  /** @internal */
  _onServerSideEmit(args: unknown[]): void {
    if (typeof args[0] !== "string") return;
    if (args[0] === PRESENCE_EVENT) {
      this._presence?._onMessage(args[1]);
      return;
    }
    if (args[0] === RELIABLE_NOTIFY_EVENT) {
      const notice = readNotice(args[1]);
      const socket = notice === undefined ? undefined : this.sockets.get(notice.sid);
      if (socket !== undefined && socket._pid === notice?.pid) socket._reliable.pull();
      return;
    }
    this.emitLocal(args[0], args.slice(1));
  }

  /**
   * @internal A client asked to join: take its session back if it presents one (connection
   * state recovery), run the middleware (a recovered socket may skip it), then either connect
   * the socket or answer CONNECT_ERROR. Ends with `client._joined(socket)` once the socket is
   * connected, or `client._refused(name)`: no callbacks, so a CONNECT without recovery or
   * middleware allocates no closure (the connect rate is measured, docs/PERFORMANCE.md).
   */
  _add(client: Client, auth: Record<string, unknown>): void {
    this.#admitting++;
    const recovery = this._recovery;
    if (recovery === undefined) {
      this.#admit(client, auth, undefined);
      return;
    }
    // The recovery fields are the protocol's, not the app's: keep them out of handshake.auth.
    const { pid, offset, ...rest } = auth;
    // A pid without an offset: its client got no packet that carried one, so it missed
    // whatever its rooms were sent since the session began (FROM_SESSION_START).
    if (typeof pid !== "string" || (offset !== undefined && typeof offset !== "string")) {
      this.#admit(client, rest, undefined);
      return;
    }
    const restored = (result: RestoredSession | NotRestored | null | undefined) => {
      // Never two live sockets with one id, whatever an adapter returns.
      const usable =
        result != null && !("reason" in result) && !this.sockets.has(result.sid)
          ? result
          : undefined;
      if (usable !== undefined) log("connection state recovered for sid %s", usable.sid);
      // The client asked to recover: if it does not, it is told why (CONNECT's data).
      const failed: NotRestored = result != null && "reason" in result ? result : UNKNOWN;
      this.#admit(client, rest, usable ?? failed);
    };
    let result: ReturnType<Adapter["restoreSession"]>;
    try {
      result = this.adapter.restoreSession(pid, offset ?? FROM_SESSION_START);
    } catch (err) {
      log("error while restoring session: %s", err);
      this.server._reportHandlerError(err, undefined, "adapter.restoreSession");
      restored(undefined);
      return;
    }
    if (result !== null && typeof (result as Partial<PromiseLike<unknown>>).then === "function") {
      (result as PromiseLike<RestoredSession | NotRestored | null>).then(
        restored,
        (err: unknown) => {
          log("error while restoring session: %s", err);
          this.server._reportHandlerError(err, undefined, "adapter.restoreSession");
          restored(undefined);
        },
      );
    } else {
      restored(result as RestoredSession | NotRestored | null);
    }
  }

  #admit(
    client: Client,
    auth: Record<string, unknown>,
    session: RestoredSession | NotRestored | undefined,
  ): void {
    if (client.conn.readyState !== "open") {
      this.#refused(client);
      return;
    }
    if (log.enabled) log("adding socket to nsp %s", this.name);
    const socket = new Socket<Listen, Emit, ServerSide, SocketData>(this, client, auth, session);
    const fns = this._fns;
    if (fns.length === 0 || (socket.recovered && this._recovery?.skipMiddlewares === true)) {
      // Nothing runs before the socket connects: no pending entry, no closure.
      this.#settle(client, socket, undefined);
      return;
    }
    client._trackPending(socket, true);
    runMiddleware(
      fns,
      socket,
      (err) => this.server._reportHandlerError(err, socket, "middleware"),
      (err) => {
        client._trackPending(socket, false);
        this.#settle(client, socket, err);
      },
    );
  }

  /** The middleware chain ended (`err` if one refused): connect the socket, or refuse it. */
  #settle(
    client: Client,
    socket: Socket<Listen, Emit, ServerSide, SocketData>,
    err: Error | undefined,
  ): void {
    if (client.conn.readyState !== "open") {
      log("next called after client was closed - ignoring socket");
      socket._onclose("transport close");
      this.#refused(client);
      return;
    }
    if (err !== undefined) {
      log("middleware error, sending CONNECT_ERROR packet to the client");
      socket._refuse(err);
      this.#refused(client);
      return;
    }
    this.sockets.set(socket.id, socket);
    // The socket must be connected (own room, CONNECT sent) before user code sees it.
    socket._onconnect();
    this.#admitting--;
    client._joined(socket);
    this.emitReserved("connect", socket);
    this.emitReserved("connection", socket);
  }

  #refused(client: Client): void {
    this.#admitting--;
    client._refused(this.name);
    // A dynamic child that only ever refused must go too, or each refused CONNECT to a
    // fresh name (no credentials needed) would leave a namespace behind for good.
    this._checkEmpty();
  }

  /** @internal */
  _remove(socket: Socket<Listen, Emit, ServerSide, SocketData>): void {
    if (this.sockets.delete(socket.id)) this._checkEmpty();
  }

  /**
   * @internal Removes a dynamic child nobody is in (when `cleanupEmptyChildNamespaces` is on);
   * not while a socket is being admitted: it would join a namespace no longer served.
   */
  _checkEmpty(): void {
    if (this.sockets.size === 0 && this.#admitting === 0) this._onEmpty?.();
  }

  /** @internal Set on dynamic children when `cleanupEmptyChildNamespaces` is on. */
  _onEmpty: (() => void) | undefined;

  /** @internal */
  _emitNewNamespace(nsp: Namespace<Listen, Emit, ServerSide, SocketData>): void {
    this.emitReserved("new_namespace", nsp);
  }

  /** @internal */
  _emitHandlerError(err: unknown, socket: unknown, event: string): boolean {
    return this.emitLocal("handler_error", [err, socket, event]);
  }
}

/** A session no adapter held (or an adapter that failed): the client starts afresh. */
const UNKNOWN: NotRestored = { reason: "session_unknown" };
