import { createServer, type Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type {
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
  ReservedOrUserEventNames,
} from "@parley/protocol";
import type { AdapterConstructor, RecoveryOptions, Room, SocketId } from "./adapter/adapter.js";
import { InMemoryAdapter } from "./adapter/in-memory-adapter.js";
import type { BroadcastOperator } from "./broadcast-operator.js";
import { Client, type ClientLimits } from "./client.js";
import { debugLog } from "./debug.js";
import { DynamicNamespaces } from "./dynamic-namespaces.js";
import type { BunServer } from "./engine/bun/bun-runtime.js";
import type { ClientFiles } from "./engine/bun/client-files.js";
import { listenOnBun, onBun } from "./engine/bun/listen.js";
import type { EngineConnection } from "./engine/contract.js";
import { Cors } from "./engine/cors.js";
import { HeartbeatWheel } from "./engine/heartbeat.js";
import { Engine } from "./engine/index.js";
import { attachListeners } from "./http-attach.js";
import type { MiddlewareFn } from "./middleware.js";
import { Namespace, type NamespaceReservedEvents } from "./namespace.js";
import {
  assertSupportedOptions,
  engineOptionsOf,
  normalizeServerPath,
  resolveLimits,
  resolveRecovery,
  type ServerOptions,
} from "./options.js";
import { type NamespaceMatcher, ParentNamespace } from "./parent-namespace.js";
import { CustomParser } from "./parser.js";
import { EventRateLimiter } from "./rate-limit/event-limiter.js";
import type { RemoteSocket } from "./remote-socket.js";
import { ClientFileServer, defaultClientDir } from "./serve-client.js";
import type { Socket } from "./socket.js";
import type {
  AckEmitArgs,
  AckEventNames,
  BroadcastAckReplies,
  ReservedOrUserListener,
} from "./typed-emitter.js";

const log = debugLog("parley:server", "socket.io:server");

/** What `io.bind()` needs from an engine: connections in, and a way to stop. */
export interface BindableEngine {
  on(event: "connection", listener: (conn: EngineConnection) => void): unknown;
  close(): unknown;
}

/** Any Node HTTP(S) server (Express's `app.listen()` result, Fastify's `server`, Hono's…). */
export type AttachTarget = HttpServer | HttpsServer | number | string;

type ServerReserved<
  L extends EventsMap,
  E extends EventsMap,
  S extends EventsMap,
  D,
> = NamespaceReservedEvents<L, E, S, D>;
type ServerEventName<
  L extends EventsMap,
  E extends EventsMap,
  S extends EventsMap,
  D,
> = ReservedOrUserEventNames<ServerReserved<L, E, S, D>, S>;
/** The listener `io.on(ev, …)` takes: a reserved event's own signature, or a server-side event's. */
type ServerListener<
  L extends EventsMap,
  E extends EventsMap,
  S extends EventsMap,
  D,
  Ev extends ServerEventName<L, E, S, D>,
> = ReservedOrUserListener<ServerReserved<L, E, S, D>, S, Ev>;

/**
 * The Socket.IO server. Attach it to an HTTP server; its event methods (`on`, `use`, `emit`,
 * `to`…) act on the main namespace, as `io.sockets` would.
 */
export class Server<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  ServerSide extends EventsMap = DefaultEventsMap,
  // biome-ignore lint/suspicious/noExplicitAny: socket.data is untyped unless the user types it
  SocketData = any,
> {
  /** The main namespace ("/"). */
  readonly sockets: Namespace<Listen, Emit, ServerSide, SocketData>;
  /**
   * The engine accepting connections (`io.engine.on("connection_error", …)`,
   * `io.engine.clientsCount`). Set by `attach`/`listen`, or by `bind` with the engine given
   * (typed as Parley's `Engine`, as Socket.IO types it as engine.io's server); undefined
   * before either.
   */
  engine!: Engine;
  /** The HTTP server this one is attached to. */
  httpServer: HttpServer | HttpsServer | undefined;
  /**
   * Under Bun, the `Bun.serve` server `listen(port)` started (its `port` is the one bound,
   * also for port 0); `httpServer` is then undefined.
   */
  bunServer: BunServer | undefined;
  /** @internal */
  readonly _nsps = new Map<string, Namespace<Listen, Emit, ServerSide, SocketData>>();
  /** @internal */
  _limits: ClientLimits;
  /**
   * @internal One shared timer for every client's connect timeout (a connection that joins no
   * namespace in time is closed), instead of a `setTimeout` per connection.
   */
  _connectTimeouts: HeartbeatWheel;
  /** @internal Connection state recovery settings; undefined when it is off. */
  readonly _recovery: RecoveryOptions | undefined;
  /** @internal The `rateLimit` option's event limits; undefined when none is configured. */
  readonly _rateLimiter: EventRateLimiter | undefined;
  /** @internal The `parser` option; undefined for Parley's own codec. */
  readonly _parser: CustomParser | undefined;
  readonly #opts: ServerOptions;
  readonly #dynamic = new DynamicNamespaces<Listen, Emit, ServerSide, SocketData>();
  #adapter: AdapterConstructor;
  #path: string;
  #serveClient: boolean;
  #reportingError = false;

  constructor(opts?: ServerOptions);
  constructor(srv: AttachTarget | undefined, opts?: ServerOptions);
  constructor(srv?: AttachTarget | ServerOptions, opts: ServerOptions = {}) {
    if (typeof srv === "object" && srv !== null && !("listen" in srv)) {
      opts = srv;
      srv = undefined;
    }
    assertSupportedOptions(opts);
    this.#opts = { ...opts };
    this.#path = normalizeServerPath(opts.path);
    this.#serveClient = opts.serveClient !== false;
    this.#adapter = opts.adapter ?? InMemoryAdapter;
    this._limits = resolveLimits(opts);
    this._connectTimeouts = new HeartbeatWheel(HeartbeatWheel.tickFor(this._limits.connectTimeout));
    this._recovery = resolveRecovery(opts);
    this._parser = opts.parser === undefined ? undefined : new CustomParser(opts.parser);
    this._rateLimiter = EventRateLimiter.from(opts.rateLimit, (err, where) =>
      this._reportHandlerError(err, undefined, where),
    );
    this.sockets = this.of("/");
    if (srv !== undefined) this.attach(srv);
  }

  // ---- setup ----

  /** Attaches to an HTTP server, or creates one listening on `port`. */
  attach(srv: AttachTarget, opts: ServerOptions = {}): this {
    if (typeof srv === "function") {
      throw new TypeError(
        "attach() takes an http.Server, not a request handler: pass the server Express's listen() returns",
      );
    }
    let server: HttpServer | HttpsServer;
    if ((typeof srv === "number" || typeof srv === "string") && onBun()) {
      this.#listenOnBun(srv, opts);
      return this;
    }
    if (typeof srv === "number" || typeof srv === "string") {
      const port = Number(srv);
      log("creating http server and binding to %d", port);
      server = createServer((_req, res) => {
        res.writeHead(404);
        res.end();
      });
      server.listen(port);
    } else {
      server = srv;
    }
    assertSupportedOptions(opts);
    Object.assign(this.#opts, opts);
    if (opts.path !== undefined) this.#path = normalizeServerPath(opts.path);
    const engineOptions = engineOptionsOf(this.#opts, this.#path);
    if (log.enabled) log("creating engine with opts %o", engineOptions);
    const engine = new Engine(engineOptions);
    engine.attach(server);
    if (this.#serveClient) this.#attachServe(server);
    this.httpServer = server;
    this.bind(engine);
    return this;
  }

  listen(srv: AttachTarget, opts: ServerOptions = {}): this {
    return this.attach(srv, opts);
  }

  /**
   * socket.io's uWebSockets.js attachment. Not supported: Parley's engine runs on Node's HTTP
   * server and ws. Throws, rather than accepting an app it would never serve.
   */
  attachApp(_app: unknown, _opts?: ServerOptions): never {
    throw new Error(
      "attachApp() (uWebSockets.js) is not supported: attach Parley to a Node http or https " +
        "server with attach()/listen(), or bind() an engine",
    );
  }

  /** Takes connections from an engine you created and attached yourself. */
  bind(engine: BindableEngine): this {
    this.engine = engine as Engine;
    // An engine that serves HTTP itself (Bun's) also serves the client bundles, as attach does.
    const serving = engine as { serveClientFiles?(client: ClientFiles | undefined): void };
    if (serving.serveClientFiles !== undefined && this.#serveClient) {
      const prefix = `${this.#path}/`;
      serving.serveClientFiles({
        files: this.#clientFiles(),
        prefix,
        match: ClientFileServer.match,
      });
    }
    engine.on("connection", (conn) => this.#onConnection(conn));
    return this;
  }

  #onConnection(conn: EngineConnection): void {
    if (log.enabled) log("incoming connection with id %s", conn.id);
    new Client(this as unknown as Server<never, never, never, unknown>, conn);
  }

  /** `listen(port)` under Bun: Bun.serve with Bun's native WebSocket (engine/bun/). */
  #listenOnBun(port: number | string, opts: ServerOptions): void {
    assertSupportedOptions(opts);
    Object.assign(this.#opts, opts);
    if (opts.path !== undefined) this.#path = normalizeServerPath(opts.path);
    const engineOptions = engineOptionsOf(this.#opts, this.#path);
    log("creating a Bun engine and Bun.serve on %s", port);
    const { engine, server } = listenOnBun(port, engineOptions);
    this.bunServer = server;
    this.bind(engine);
  }

  #clientFiles(): ClientFileServer {
    // socket.io runs its `cors` middleware in front of the bundles too.
    const cors = this.#opts.cors;
    return new ClientFileServer(
      this.#opts.clientDir ?? defaultClientDir(),
      cors === undefined || cors === false ? undefined : new Cors(cors === true ? {} : cors),
    );
  }

  #attachServe(server: HttpServer | HttpsServer): void {
    log("attaching client serving req handler");
    const files = this.#clientFiles();
    const prefix = `${this.#path}/`;
    attachListeners(server, (req, res) => {
      const name = ClientFileServer.match(req.url, prefix);
      if (name === undefined) return false;
      files.serve(name, req, res);
      return true;
    });
  }

  /** Whether client bundles are served. Setting it only affects a later `attach`. */
  serveClient(): boolean;
  serveClient(v: boolean): this;
  serveClient(v?: boolean): boolean | this {
    if (v === undefined) {
      return this.#serveClient;
    }
    this.#serveClient = v;
    return this;
  }

  /**
   * Milliseconds a connection may stay without joining a namespace (default 45000). Setting
   * it applies to connections that arrive afterwards.
   */
  connectTimeout(): number;
  connectTimeout(v: number): this;
  connectTimeout(v?: number): number | this {
    if (v === undefined) return this._limits.connectTimeout;
    this._limits = resolveLimits({ ...this.#opts, connectTimeout: v });
    this.#opts.connectTimeout = v;
    // Connections already waiting keep their place on the old wheel, which stops once empty.
    this._connectTimeouts = new HeartbeatWheel(HeartbeatWheel.tickFor(v));
    return this;
  }

  /** The path the server answers under (default "/socket.io"). Setting it affects a later `attach`. */
  path(): string;
  path(v: string): this;
  path(v?: string): string | this {
    if (v === undefined) {
      return this.#path;
    }
    this.#path = normalizeServerPath(v);
    return this;
  }

  /** The adapter class; setting it rebuilds every namespace's adapter (call before sockets join). */
  adapter(): AdapterConstructor;
  adapter(v: AdapterConstructor): this;
  adapter(v?: AdapterConstructor): AdapterConstructor | this {
    if (v === undefined) {
      return this.#adapter;
    }
    this.#adapter = v;
    for (const nsp of this._nsps.values()) nsp._initAdapter();
    return this;
  }

  // ---- namespaces ----

  /**
   * The namespace `name` (created on first use), or a parent of dynamic namespaces when given
   * a RegExp or a function `(name, auth, next) => next(null, allow)`.
   */
  of(
    name: string | RegExp | NamespaceMatcher,
    fn?: (socket: Socket<Listen, Emit, ServerSide, SocketData>) => void,
  ): Namespace<Listen, Emit, ServerSide, SocketData> {
    if (typeof name === "function" || name instanceof RegExp) {
      const parent = new ParentNamespace<Listen, Emit, ServerSide, SocketData>(this);
      log("initializing parent namespace %s", parent.name);
      this.#dynamic.add(name, parent);
      if (fn !== undefined) parent.on("connect", fn);
      return parent;
    }
    const nspName = name.startsWith("/") ? name : `/${name}`;
    let nsp = this._nsps.get(nspName);
    if (nsp === undefined) {
      const parent = this.#dynamic.regExpParentOf(nspName);
      if (parent !== undefined) {
        log("attaching namespace %s to parent namespace %s", nspName, parent.name);
        nsp = parent._createChild(nspName);
      }
    }
    if (nsp === undefined) {
      log("initializing namespace %s", nspName);
      nsp = new Namespace(this, nspName);
      this._nsps.set(nspName, nsp);
      if (nspName !== "/") this.sockets._emitNewNamespace(nsp);
    }
    if (fn !== undefined) nsp.on("connect", fn);
    return nsp;
  }

  /** @internal A dynamic namespace's child was created. */
  _registerChild(
    child: Namespace<Listen, Emit, ServerSide, SocketData>,
    parent: ParentNamespace<Listen, Emit, ServerSide, SocketData>,
  ): void {
    this._nsps.set(child.name, child);
    if (this.#opts.cleanupEmptyChildNamespaces === true) {
      child._onEmpty = () => {
        log("closing child namespace %s", child.name);
        Promise.resolve(child.adapter.close()).catch(() => {});
        this._nsps.delete(child.name);
        parent.children.delete(child);
      };
    }
    this.sockets._emitNewNamespace(child);
  }

  /**
   * @internal The namespace a CONNECT names: an existing one, or a dynamic child if a parent
   * allows it; `undefined` when none does. Matchers run in creation order.
   */
  _resolveNamespace(
    name: string,
    auth: Record<string, unknown>,
    done: (nsp: Namespace<Listen, Emit, ServerSide, SocketData> | undefined) => void,
  ): void {
    const existing = this._nsps.get(name);
    if (existing !== undefined) {
      done(existing);
      return;
    }
    this.#dynamic.findParent(
      name,
      auth,
      (parent) => {
        if (parent === undefined) return done(undefined);
        // Another CONNECT may have created the child while this one's matcher was deciding.
        const created = this._nsps.get(name);
        if (created !== undefined) log("dynamic namespace %s already exists", name);
        else log("dynamic namespace %s was created", name);
        done(created ?? parent._createChild(name));
      },
      (err) => this._reportHandlerError(err, undefined, "namespace matcher"),
    );
  }

  // ---- errors ----

  /**
   * @internal A user callback failed. Goes to `io.on("handler_error", (err, socket, event))`;
   * printed with console.error when nobody listens (or the listener itself fails).
   */
  _reportHandlerError(
    err: unknown,
    socket: { id: string; nsp: { name: string } } | undefined,
    event: string,
  ): void {
    if (!this.#reportingError && this.sockets.listenerCount("handler_error") > 0) {
      this.#reportingError = true;
      try {
        this.sockets._emitHandlerError(err, socket, event);
      } finally {
        this.#reportingError = false;
      }
      return;
    }
    const where = socket === undefined ? "" : ` (socket ${socket.id} on ${socket.nsp.name})`;
    console.error(`[parley] handler for "${event}" failed${where}:`, err);
  }

  // ---- shutdown ----

  /**
   * Disconnects every socket ("server shutting down"), closes the adapters, the engine and
   * the HTTP server. Resolves (and calls `fn`) once the HTTP server has closed.
   */
  async close(fn?: (err?: Error) => void): Promise<void> {
    for (const nsp of this._nsps.values()) {
      for (const socket of [...nsp.sockets.values()]) socket._onclose("server shutting down");
    }
    await Promise.allSettled([...this._nsps.values()].map(async (nsp) => nsp.adapter.close()));
    (this.engine as BindableEngine | undefined)?.close();
    // On Bun the session relay closes with the server (on Node: with the HTTP server).
    await (
      this.engine as { _closeSessionRelay?: () => Promise<void> } | undefined
    )?._closeSessionRelay?.();
    if (this.bunServer !== undefined) {
      const bun = this.bunServer;
      this.bunServer = undefined;
      await bun.stop(true);
      fn?.();
      return;
    }
    const http = this.httpServer;
    if (http === undefined) {
      fn?.();
      return;
    }
    // As socket.io: a server that is not listening (never was, or closed already) gives `fn`
    // Node's ERR_SERVER_NOT_RUNNING; the promise resolves either way.
    await new Promise<void>((resolve) => {
      http.close((err) => {
        if (err !== undefined) log("server was not running");
        fn?.(err);
        resolve();
      });
    });
  }

  // ---- the main namespace's API ----

  on<Ev extends ServerEventName<Listen, Emit, ServerSide, SocketData>>(
    ev: Ev,
    listener: ServerListener<Listen, Emit, ServerSide, SocketData, Ev>,
  ): this {
    this.sockets.on(ev, listener as never);
    return this;
  }

  addListener<Ev extends ServerEventName<Listen, Emit, ServerSide, SocketData>>(
    ev: Ev,
    listener: ServerListener<Listen, Emit, ServerSide, SocketData, Ev>,
  ): this {
    return this.on(ev, listener as never);
  }

  once<Ev extends ServerEventName<Listen, Emit, ServerSide, SocketData>>(
    ev: Ev,
    listener: ServerListener<Listen, Emit, ServerSide, SocketData, Ev>,
  ): this {
    this.sockets.once(ev, listener as never);
    return this;
  }

  off<Ev extends ServerEventName<Listen, Emit, ServerSide, SocketData>>(
    ev: Ev,
    listener?: ServerListener<Listen, Emit, ServerSide, SocketData, Ev>,
  ): this {
    this.sockets.off(ev, listener as never);
    return this;
  }

  removeListener<Ev extends ServerEventName<Listen, Emit, ServerSide, SocketData>>(
    ev: Ev,
    listener: ServerListener<Listen, Emit, ServerSide, SocketData, Ev>,
  ): this {
    return this.off(ev, listener as never);
  }

  removeAllListeners(ev?: ServerEventName<Listen, Emit, ServerSide, SocketData>): this {
    this.sockets.removeAllListeners(ev);
    return this;
  }

  listeners<Ev extends ServerEventName<Listen, Emit, ServerSide, SocketData>>(
    ev: Ev,
  ): ServerListener<Listen, Emit, ServerSide, SocketData, Ev>[] {
    return this.sockets.listeners(ev) as never;
  }

  listenerCount(ev: ServerEventName<Listen, Emit, ServerSide, SocketData>): number {
    return this.sockets.listenerCount(ev);
  }

  use(fn: MiddlewareFn<Socket<Listen, Emit, ServerSide, SocketData>>): this {
    this.sockets.use(fn);
    return this;
  }

  to(room: Room | Room[]): BroadcastOperator<Emit, SocketData> {
    return this.sockets.to(room);
  }

  in(room: Room | Room[]): BroadcastOperator<Emit, SocketData> {
    return this.sockets.in(room);
  }

  except(room: Room | Room[]): BroadcastOperator<Emit, SocketData> {
    return this.sockets.except(room);
  }

  compress(compress: boolean): BroadcastOperator<Emit, SocketData> {
    return this.sockets.compress(compress);
  }

  get volatile(): BroadcastOperator<Emit, SocketData> {
    return this.sockets.volatile;
  }

  get local(): BroadcastOperator<Emit, SocketData> {
    return this.sockets.local;
  }

  timeout(ms: number): BroadcastOperator<Emit, SocketData, true> {
    return this.sockets.timeout(ms);
  }

  emit<Ev extends EventNames<Emit>>(ev: Ev, ...args: EventParams<Emit, Ev>): boolean {
    return this.sockets.emit(ev, ...args);
  }

  emitWithAck<Ev extends AckEventNames<Emit>>(
    ev: Ev,
    ...args: AckEmitArgs<Emit, Ev>
  ): Promise<BroadcastAckReplies<Emit, Ev>> {
    return this.sockets.emitWithAck(ev, ...args);
  }

  send(...args: unknown[]): this {
    this.sockets.send(...args);
    return this;
  }

  write(...args: unknown[]): this {
    return this.send(...args);
  }

  serverSideEmit<Ev extends EventNames<ServerSide>>(
    ev: Ev,
    ...args: EventParams<ServerSide, Ev>
  ): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  serverSideEmitWithAck<Ev extends EventNames<ServerSide>>(
    ev: Ev,
    ...args: unknown[]
  ): Promise<unknown[]> {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }

  fetchSockets(): Promise<RemoteSocket<Emit, SocketData>[]> {
    return this.sockets.fetchSockets();
  }

  allSockets(): Promise<Set<SocketId>> {
    return this.sockets.allSockets();
  }

  socketsJoin(room: Room | Room[]): Promise<void> {
    return this.sockets.socketsJoin(room);
  }

  socketsLeave(room: Room | Room[]): Promise<void> {
    return this.sockets.socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }
}
