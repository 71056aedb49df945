import { EventEmitter } from "node:events";
import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { debugLog } from "../../debug.js";
import { ConnectionAdmission } from "../../rate-limit/connection-admission.js";
import type { EngineConnection, HandshakeRequestInfo } from "../contract.js";
import { addHandshakeCookies } from "../cookie.js";
import type { EngineClients } from "../core/client-table.js";
import { EngineCore } from "../core/engine-core.js";
import { isRefusal, type Refusal } from "../core/errors.js";
import type { PacketHook, RoomPublisher } from "../core/hooks.js";
import type { Session } from "../core/session.js";
import { Cors, type HeaderMap } from "../cors.js";
import { engineProtocolOf, v3PollingFormat, v3WebSocketFormat } from "../eio3/index.js";
import { retainHandshakeRequest } from "../handshake-request.js";
import {
  type EngineConnectionError,
  EngineErrorCode,
  EngineErrorMessage,
  writeHttpError,
  writeUpgradeError,
} from "../http-errors.js";
import {
  applyMiddlewares,
  type EngineMiddleware,
  type MiddlewareFailure,
  type NodeMiddleware,
  setEngineQuery,
} from "../http-middleware.js";
import { leanEvents } from "../lean-events.js";
import {
  type AttachOptions,
  type EngineOptions,
  givenOptions,
  type ResolvedOptions,
  resolveOptions,
} from "../options.js";
import { randomId } from "../random-id.js";
import { reportEngineError } from "../report-error.js";
import type { SessionRelay } from "../session-relay.js";
import { UpgradeResponse } from "../upgrade-response.js";
import { attachToServer } from "./attach.js";
import {
  type KeptRequest,
  keptInfo,
  keptRequest,
  NodeHandshake,
  untouched,
} from "./handshake-record.js";
import { type PollingHost, PollingTransport } from "./polling.js";
import { nodeRequest } from "./request.js";
import { WebSocketTransport } from "./websocket.js";

export interface EngineEvents {
  /** A new session completed its handshake. */
  connection: [connection: EngineConnection];
  /** A request was refused (bad transport, unknown sid, CORS, `allowRequest`…). */
  connection_error: [error: EngineConnectionError];
  /** Response headers of a handshake; mutate `headers` to add some. */
  initial_headers: [headers: HeaderMap, req: IncomingMessage];
  /** Response headers of every engine response (polling) and WebSocket handshake. */
  headers: [headers: HeaderMap, req: IncomingMessage];
  /** A user handler (event listener, header hook) threw. */
  error: [error: unknown];
}

const log = debugLog("parley:engine", "engine");

function ignore(): void {}

/**
 * Node removes its own error listener from upgraded sockets: while the engine holds one (an
 * await, a refusal being written, a relay), a reset from the peer would be an uncaught
 * exception without this. Not needed on the synchronous way into `ws.handleUpgrade`, which
 * puts its own listener on first (no error event can fire in between).
 */
function holdErrors(socket: Duplex): void {
  if (!socket.listeners("error").includes(ignore)) socket.on("error", ignore);
}

function middlewareRefusal(failure: MiddlewareFailure): Refusal {
  return {
    code: EngineErrorCode.BAD_REQUEST,
    context: { name: "MIDDLEWARE_FAILURE", error: failure.error },
  };
}

/**
 * An Engine.IO v4 server on Node: the Node front (`http` attach, `ws` upgrades, polling over
 * `IncomingMessage`/`ServerResponse`) over the runtime-neutral `EngineCore` (sessions, ids,
 * checks, heartbeat). Usable alone, like `engine.io`:
 *
 * ```ts
 * const engine = new Engine();
 * engine.attach(httpServer);
 * engine.on("connection", (conn) => conn.on("message", (data) => conn.send(data)));
 * ```
 */
export class Engine extends EventEmitter<EngineEvents> {
  readonly options: ResolvedOptions;
  /** The options as given, over engine.io's defaults (engine.io's `opts`). Frozen. */
  readonly opts: Readonly<EngineOptions>;
  /**
   * The runtime's native room publish offered to the adapter (see `RoomPublisher`): none on
   * Node, whose fan-out is the adapter's loop over recipients.
   */
  readonly roomPublisher: RoomPublisher | null = null;
  readonly #core: EngineCore<IncomingMessage, HandshakeRequestInfo, KeptRequest>;
  readonly #cors: Cors | null;
  readonly #pollingHost: PollingHost;
  /** Per-address handshake limits (`rateLimit.connections`); null when not configured. */
  readonly #admission: ConnectionAdmission | null;
  #wss: WebSocketServer | null = null;
  #relay: SessionRelay | null = null;
  /** WebSocket handshakes in flight → their new sid (for the cookie and `initial_headers`). */
  readonly #wsHandshakes = new WeakMap<IncomingMessage, string>();
  readonly #middlewares: EngineMiddleware[] = [];
  /** Upgrades that ran middlewares → their response, whose headers join the 101's. */
  readonly #upgradeResponses = new WeakMap<IncomingMessage, UpgradeResponse>();
  /**
   * Whether options hand every handshake request to user code (`allowRequest`, a CORS
   * delegate) or key something on it for the session's life (`sessionBinding`, per-address
   * limits): then sessions keep the request itself (see #retain).
   */
  readonly #optionsSeeRequest: boolean;

  constructor(opts: EngineOptions = {}) {
    super();
    const options = resolveOptions(opts);
    this.options = options;
    this.opts = givenOptions(opts);
    this.#cors = options.cors === false ? null : new Cors(options.cors);
    this.#admission = ConnectionAdmission.from(opts.rateLimit?.connections, (req, context) =>
      this.#emitConnectionError(req, { code: EngineErrorCode.FORBIDDEN, context: { ...context } }),
    );
    this.#optionsSeeRequest =
      options.allowRequest !== undefined ||
      typeof options.cors === "function" ||
      options.sessionBinding !== null ||
      this.#admission !== null;
    this.#core = new EngineCore<IncomingMessage, HandshakeRequestInfo, KeptRequest>(options, {
      generateId: (req) => this.generateId(req),
      handshakeInfo: keptInfo,
      retainRequest: (req) => this.#retain(req),
      requestOf: keptRequest,
      onConnection: (session) => this.#announce(session),
      onSessionClosed: (session) => this.#admission?.closed(session.request),
      reportError: (error) => this.#reportError(error),
    });
    this.#pollingHost = {
      options,
      decorateHeaders: (req, headers, sid) => this.#decorateHeaders(req, headers, sid, true),
    };
  }

  /**
   * Open connections by id, as engine.io's (`clients[id]`, `Object.keys(clients)`) and as a
   * read-only Map (`get`, `has`, `size`, iteration). Read-only.
   */
  get clients(): EngineClients<EngineConnection> {
    return this.#core.sessions as unknown as EngineClients<EngineConnection>;
  }

  get clientsCount(): number {
    return this.#core.sessions.size;
  }

  /**
   * Session ids: 15 random bytes as base64url (20 characters). Override (assign or subclass)
   * to choose your own; returning a Promise is allowed.
   */
  generateId(_req: IncomingMessage): string | Promise<string> {
    return randomId();
  }

  /**
   * Serves requests under `path` (default `/socket.io/`) on `server`, handing every other
   * request to the listeners the server had, and takes WebSocket upgrades under `path`.
   */
  attach(server: HttpServer | HttpsServer, options: AttachOptions = {}): this {
    attachToServer(this, server, options);
    return this;
  }

  /** Handles one HTTP request for the engine (polling, CORS preflight, errors). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    this.#onRequest(req, res).catch((error: unknown) => {
      this.#reportError(error);
      if (!res.headersSent) writeHttpError(res, EngineErrorCode.BAD_REQUEST);
    });
  }

  /** Handles one HTTP upgrade for the engine (WebSocket handshake or upgrade probe). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#onUpgrade(req, socket, head).catch((error: unknown) => {
      holdErrors(socket);
      this.#reportError(error);
      writeUpgradeError(socket, EngineErrorCode.BAD_REQUEST);
    });
  }

  /**
   * Adds an Express-style `(req, res, next)` middleware, run on every HTTP request and
   * WebSocket upgrade the engine handles (handshakes, later polls, upgrade probes) in the order
   * added, after the CORS check and before the engine's own checks (as engine.io), with
   * `req._query` set. On an upgrade `res` is an `UpgradeResponse`: headers set there go out with
   * the 101, and `res.end()` refuses the upgrade with that response. `next(err)`, a throw or a
   * rejected promise refuses the request: 400 `{"code":3,"message":"Bad request"}` and
   * `connection_error` with `context.name` "MIDDLEWARE_FAILURE". What a middleware adds to the
   * handshake request (`req.session`) is on `socket.request`.
   *
   * ```ts
   * io.engine.use(sessionMiddleware);
   * io.engine.use(helmet());
   * ```
   */
  use(middleware: EngineMiddleware): this;
  use(middleware: NodeMiddleware): this;
  use(middleware: EngineMiddleware | NodeMiddleware): this {
    this.#middlewares.push(middleware);
    return this;
  }

  /**
   * Hands requests for sessions this engine does not know to `relay` (which may know the node
   * that owns them); `null` removes it. See `SessionRelay`.
   */
  setSessionRelay(relay: SessionRelay | null): this {
    this.#relay = relay;
    return this;
  }

  /**
   * Calls `hook` with every Engine.IO packet of every connection, in and out (see
   * `PacketHook`); `null` removes it. Without one, a packet costs one field read.
   */
  setPacketHook(hook: PacketHook | null): this {
    this.#core.packetHook = hook;
    return this;
  }

  /** Ends every session ("forced close", as engine.io). The engine keeps serving new ones. */
  close(): this {
    this.#core.close();
    return this;
  }

  // --- requests --------------------------------------------------------------------------

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (log.enabled) log('handling "%s" http request "%s"', req.method, req.url);
    if (this.#cors !== null) {
      const verdict = await this.#cors.check(req);
      if (verdict === null) {
        if (req.method === "OPTIONS") {
          // A preflight from a refused origin gets what engine.io (the cors package) answers:
          // a success without any Access-Control-* header, which the browser takes as a
          // refusal. Nothing reaches the engine: the real request, if sent, gets the 403.
          res.writeHead(204, { "Content-Length": "0" });
          res.end();
          return;
        }
        this.#refuseRequest(req, res, {
          code: EngineErrorCode.FORBIDDEN,
          context: { name: "CORS_ORIGIN_REFUSED", origin: req.headers.origin },
        });
        return;
      }
      const headers = verdict.headers;
      if (req.method === "OPTIONS") {
        res.writeHead(verdict.preflightStatus, headers);
        res.end();
        return;
      }
      for (const name in headers) res.setHeader(name, headers[name] as string | string[]);
    }
    const record = nodeRequest(req);
    const query = record.query;
    // Tested per request, so no middleware costs no promise on the hot path.
    if (this.#middlewares.length !== 0) {
      setEngineQuery(req, query);
      const failure = await applyMiddlewares(this.#middlewares, req, res, this.#reportLate);
      if (failure !== undefined) {
        this.#refuseRequest(req, res, middlewareRefusal(failure));
        return;
      }
      // A middleware answered and still called next(): the request is over.
      if (res.headersSent) {
        if (!res.writableEnded) res.end();
        return;
      }
    }
    const verdict = await this.#core.verify(record, false);
    if (isRefusal(verdict)) {
      if (this.#relayed(verdict, query, (r, sid) => r.relayRequest(req, res, sid))) return;
      this.#refuseRequest(req, res, verdict);
      return;
    }
    if ("session" in verdict) {
      // verify() checked the request names the session's current transport: polling.
      const transport = verdict.session.transport;
      if (transport instanceof PollingTransport) transport.onRequest(req, res);
      else writeHttpError(res, EngineErrorCode.BAD_REQUEST);
      return;
    }
    const id = await this.#core.newId(req);
    if (typeof id !== "string") {
      this.#refuseRequest(req, res, id);
      return;
    }
    // After the last await: no other handshake can slip in before this one is counted.
    if (this.#admission?.refuseRequest(req, res) === true) return;
    // The one protocol branch of a session's life: v3 sessions get v3 wire formats.
    const protocol = engineProtocolOf(query);
    const format = protocol === 4 ? undefined : v3PollingFormat(query);
    const transport = new PollingTransport(this.#pollingHost, id, format);
    // Bound before the session opens: its OPEN answer carries the binding cookie.
    this.options.sessionBinding?.bind(record);
    // The handshake's GET first: the OPEN packet goes out on it as the session opens.
    transport.onRequest(req, res);
    this.#core.openSession(id, record, transport, protocol);
  }

  async #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (log.enabled) log('handling upgrade "%s"', req.url);
    const wss = this.#websocketServer();
    if (wss === null) {
      this.#refuseUpgrade(req, socket, {
        code: EngineErrorCode.UNKNOWN_TRANSPORT,
        context: { transport: "websocket" },
      });
      return;
    }
    if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket") {
      this.#refuseUpgrade(req, socket, {
        code: EngineErrorCode.BAD_REQUEST,
        context: { name: "NOT_A_WEBSOCKET_UPGRADE" },
      });
      return;
    }
    if (this.#cors !== null) {
      holdErrors(socket);
      if ((await this.#cors.check(req)) === null) {
        this.#refuseUpgrade(req, socket, {
          code: EngineErrorCode.FORBIDDEN,
          context: { name: "CORS_ORIGIN_REFUSED", origin: req.headers.origin },
        });
        return;
      }
    }
    const record = nodeRequest(req);
    const query = record.query;
    let response: UpgradeResponse | undefined;
    // Tested per upgrade: without middlewares, no response object and no await.
    if (this.#middlewares.length !== 0) {
      holdErrors(socket);
      setEngineQuery(req, query);
      response = new UpgradeResponse(req, socket, this.#reportLate);
      const res = response as unknown as ServerResponse;
      const failure = await applyMiddlewares(this.#middlewares, req, res, this.#reportLate);
      if (failure !== undefined) {
        this.#refuseUpgrade(req, socket, middlewareRefusal(failure));
        return;
      }
      // A middleware answered (e.g. `res.writeHead(401).end()`) and still called next().
      if (response.headersSent) {
        response.end();
        return;
      }
    }
    // Awaited only when it is a promise (allowRequest, generateId, middlewares): a plain
    // WebSocket handshake then runs to ws.handleUpgrade in one go, without microtask hops.
    const checked = this.#core.verify(record, true);
    if (checked instanceof Promise) holdErrors(socket);
    const verdict = checked instanceof Promise ? await checked : checked;
    if (isRefusal(verdict)) {
      holdErrors(socket);
      if (this.#relayed(verdict, query, (r, sid) => r.relayUpgrade(req, socket, head, sid))) {
        response?.release();
        return;
      }
      this.#refuseUpgrade(req, socket, verdict);
      return;
    }
    const deflate = this.options.perMessageDeflate !== false;
    if ("session" in verdict) {
      const sid = verdict.session.id;
      // Only a WebSocket can replace polling; engine.io completes any other and closes it.
      const probe = query.get("transport") === "websocket";
      const format = verdict.session.protocol === 4 ? undefined : v3WebSocketFormat(query);
      this.#commitUpgrade(req, response);
      wss.handleUpgrade(req, socket, head, (ws) => {
        response?.accepted();
        leanEvents(ws);
        socket.off("error", ignore);
        const transport = new WebSocketTransport(ws, socket, deflate, format);
        const session = this.#core.sessions.get(sid);
        if (session === undefined || !probe) {
          if (log.enabled) log("upgrade for sid %s: no session to upgrade, closing", sid);
          transport.close();
        } else {
          session.startProbe(transport);
        }
      });
      return;
    }
    const newId = this.#core.newId(req);
    // Checked free when made; only an await (a generateId promise) lets another session in.
    const awaited = newId instanceof Promise;
    if (awaited) holdErrors(socket);
    const id = awaited ? await newId : newId;
    if (typeof id !== "string") {
      this.#refuseUpgrade(req, socket, id);
      return;
    }
    const admission = this.#admission;
    if (admission !== null) {
      holdErrors(socket);
      if (admission.refuseUpgrade(req, socket)) return;
    }
    // Only `initial_headers` listeners read it (ws's `headers` event, synchronously below).
    if (this.listenerCount("initial_headers") !== 0) this.#wsHandshakes.set(req, id);
    const protocol = engineProtocolOf(query);
    const format = protocol === 4 ? undefined : v3WebSocketFormat(query);
    this.#commitUpgrade(req, response);
    // ws writes the 101 response and calls back synchronously; with the socket corked, the
    // OPEN packet leaves in the same write as the 101: one syscall and one segment fewer per
    // connection. Uncorked below on every path (ws's refusals end the socket, which uncorks).
    const corkable = typeof socket.cork === "function";
    if (corkable) socket.cork();
    let transport: WebSocketTransport | undefined;
    wss.handleUpgrade(req, socket, head, (ws) => {
      response?.accepted();
      // ws's WebSocket is an EventEmitter held for the connection's life: no dictionary-mode
      // `_events` for it either (~130 bytes per connection).
      leanEvents(ws);
      // ws put its own error listener on the socket, kept for the socket's life: ours would
      // only make the socket's `error` slot an array (~64 bytes per connection).
      socket.off("error", ignore);
      transport = new WebSocketTransport(ws, socket, deflate, format);
      // ws calls back synchronously: nothing ran since newId checked the id, unless awaited.
      if (awaited && this.#core.isTaken(id)) {
        transport.close();
        return;
      }
      this.#core.openSession(id, record, transport, protocol);
    });
    // The OPEN frame waits in the transport's sink for the end of the tick: hand it over
    // while the socket is still corked, so it leaves in one write with the 101.
    transport?.flush();
    if (corkable && !socket.destroyed) socket.uncork();
  }

  /**
   * What a new session keeps of its handshake request. The request itself when user code may
   * hold it or have changed it (middlewares ran on it, `allowRequest`, a `generateId` of the
   * user's, header events, a trace on the object — see untouched), so that `socket.request`
   * is that very object (`express-session`'s `req.session.reload()` needs it). Otherwise,
   * nobody else has it: a compact record that builds an equal request on first read (see
   * NodeHandshake), ~500 bytes less per idle connection.
   */
  #retain(req: IncomingMessage): KeptRequest {
    const observed =
      this.#optionsSeeRequest ||
      this.#middlewares.length !== 0 ||
      this.generateId !== Engine.prototype.generateId ||
      this.listenerCount("initial_headers") !== 0 ||
      this.listenerCount("headers") !== 0 ||
      !untouched(req);
    return observed ? retainHandshakeRequest(req) : new NodeHandshake(req);
  }

  /** The upgrade goes ahead: the middlewares' headers are final, for ws's `headers` event. */
  #commitUpgrade(req: IncomingMessage, response: UpgradeResponse | undefined): void {
    if (response === undefined) return;
    response.commit();
    this.#upgradeResponses.set(req, response);
  }

  /** Whether the relay took a request refused for naming an unknown session. */
  #relayed(
    refusal: Refusal,
    query: URLSearchParams,
    hand: (relay: SessionRelay, sid: string) => boolean,
  ): boolean {
    const relay = this.#relay;
    const sid = query.get("sid");
    if (relay === null || sid === null || refusal.code !== EngineErrorCode.UNKNOWN_SID)
      return false;
    try {
      return hand(relay, sid);
    } catch (error) {
      this.#reportError(error);
      return false;
    }
  }

  #announce(session: Session<IncomingMessage, HandshakeRequestInfo>): void {
    this.#admission?.opened(session.request);
    this.emit("connection", session);
  }

  #emitConnectionError(req: IncomingMessage, refusal: Refusal): void {
    if (log.enabled) {
      log("refused %s: %s %j", req.url, EngineErrorMessage[refusal.code], refusal.context);
    }
    try {
      this.emit("connection_error", {
        req,
        code: refusal.code,
        message: EngineErrorMessage[refusal.code],
        context: refusal.context,
      });
    } catch (error) {
      this.#reportError(error);
    }
  }

  #refuseRequest(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
    this.#emitConnectionError(req, refusal);
    writeHttpError(res, refusal.code, refusal.body);
  }

  #refuseUpgrade(req: IncomingMessage, socket: Duplex, refusal: Refusal): void {
    holdErrors(socket);
    this.#emitConnectionError(req, refusal);
    writeUpgradeError(socket, refusal.code, refusal.body);
  }

  #websocketServer(): WebSocketServer | null {
    if (!this.options.transports.has("websocket")) return null;
    if (this.#wss !== null) return this.#wss;
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: this.options.perMessageDeflate,
      maxPayload: this.options.maxHttpBufferSize,
    });
    wss.on("headers", (lines: string[], req: IncomingMessage) => {
      const hooked =
        this.#middlewares.length !== 0 ||
        this.listenerCount("initial_headers") !== 0 ||
        this.listenerCount("headers") !== 0;
      // Nothing adds a header: no map, no events (what a plain handshake costs is measured).
      if (!hooked) return;
      const headers: HeaderMap = {};
      if (this.#middlewares.length !== 0) {
        this.#upgradeResponses.get(req)?.copyHeadersTo(headers);
        this.#upgradeResponses.delete(req);
      }
      const sid = this.#wsHandshakes.get(req);
      this.#wsHandshakes.delete(req);
      // No io cookie on a WebSocket handshake, as engine.io: one connection needs no
      // affinity, and headers a listener adds (its own set-cookie) go out alone.
      this.#decorateHeaders(req, headers, sid, false);
      for (const name in headers) {
        const value = headers[name] as string | string[];
        for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
      }
    });
    this.#wss = wss;
    return wss;
  }

  #decorateHeaders(
    req: IncomingMessage,
    headers: HeaderMap,
    sid: string | undefined,
    cookie: boolean,
  ): void {
    try {
      if (sid !== undefined) {
        if (cookie) addHandshakeCookies(headers, sid, req, this.options);
        this.emit("initial_headers", headers, req);
      }
      this.emit("headers", headers, req);
    } catch (error) {
      this.#reportError(error);
    }
  }

  /** For callbacks handed out (middleware chain, upgrade response): bound once. */
  readonly #reportLate = (error: unknown): void => this.#reportError(error);

  #reportError(error: unknown): void {
    reportEngineError(this, error);
  }
}
