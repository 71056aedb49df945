import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { debugLog } from "../../debug.js";
import { ConnectionAdmission } from "../../rate-limit/connection-admission.js";
import type { EngineConnection, HandshakeRequestInfo } from "../contract.js";
import { addHandshakeCookies } from "../cookie.js";
import type { EngineClients } from "../core/client-table.js";
import { EngineCore } from "../core/engine-core.js";
import type { Refusal } from "../core/errors.js";
import type { PacketHook } from "../core/hooks.js";
import type { Session } from "../core/session.js";
import { Cors, type HeaderMap } from "../cors.js";
import { handshakeInfo } from "../handshake-request.js";
import { EngineErrorCode, EngineErrorMessage } from "../http-errors.js";
import type { EngineMiddleware, NodeMiddleware } from "../http-middleware.js";
import type { EngineEvents } from "../node/engine.js";
import {
  type EngineOptions,
  givenOptions,
  pathMatcher,
  type ResolvedOptions,
  resolveOptions,
} from "../options.js";
import { randomId } from "../random-id.js";
import { reportEngineError } from "../report-error.js";
import type { BunSessionRelay } from "../session-relay.js";
import type { BunServeOptions, BunServer, BunWebSocketHandler } from "./bun-runtime.js";
import { type ClientFiles, serveClientFile } from "./client-files.js";
import type { BunEngineHost } from "./engine-host.js";
import type { BunPollingHost } from "./polling.js";
import {
  asIncoming,
  asRecord,
  type BunRequestRecord,
  keepRecord,
  pathOf,
  requestRecord,
} from "./request-record.js";
import { engineError } from "./responses.js";
import { routeRequest } from "./routing.js";
import { BunTopics } from "./topics.js";
import { websocketHandler } from "./upgrade.js";
import type { BunSocketData } from "./websocket.js";

const log = debugLog("parley:engine", "engine");

/** What `handler()` gives: spread it into `Bun.serve({ port, ...engine.handler() })`. */
export type BunHandler = Pick<
  BunServeOptions<BunSocketData>,
  "fetch" | "websocket" | "maxRequestBodySize" | "idleTimeout"
>;

/** How far past `maxHttpBufferSize` Bun lets a request body go before the engine refuses it. */
const BODY_SLACK = 64 * 1024;

/**
 * Engine.IO on Bun: the same sessions, heartbeat, verification, CORS and wire formats as the
 * Node engine, in front of `Bun.serve` instead of `node:http` + `ws`. Long-polling is served
 * by the fetch handler (a GET's Response settles at the next packet); WebSocket connections,
 * handshakes and polling upgrades alike, are Bun's native ones. `io.bind(engine)` takes it as
 * it takes the Node engine:
 *
 * ```ts
 * const io = new Server();
 * const engine = new BunEngine({ path: "/socket.io/" });
 * io.bind(engine);
 * Bun.serve({ port: 3000, ...engine.handler() });
 * ```
 */
export class BunEngine extends EventEmitter<EngineEvents> {
  readonly options: ResolvedOptions;
  readonly opts: Readonly<EngineOptions>;
  readonly #core: EngineCore<IncomingMessage, HandshakeRequestInfo>;
  readonly #host: BunEngineHost;
  readonly #matches: (url: string | undefined) => boolean;
  /** The server of the last request: what topic publishes go through. */
  #server: BunServer | null = null;
  /**
   * Every Bun server the engine has served (topics are per server: an app serving one engine
   * on two, say http and https, publishes on both). Usually one.
   */
  readonly #servers: BunServer[] = [];
  /** The client bundles, when the Parley server bound to this engine serves them. */
  #client: ClientFiles | undefined;
  readonly #websocket: BunWebSocketHandler<BunSocketData>;
  /** Rooms as Bun topics: the native room publish the adapters use (see `RoomPublisher`). */
  readonly roomPublisher: BunTopics;

  constructor(opts: EngineOptions = {}) {
    super();
    const options = resolveOptions(opts);
    this.options = options;
    this.opts = givenOptions(opts);
    this.#matches = pathMatcher(options.path);
    // Counted on the request record, whose socket.remoteAddress is Bun's requestIP.
    const admission = ConnectionAdmission.from(opts.rateLimit?.connections, (req, context) =>
      this.#emitConnectionError(asRecord(req), {
        code: EngineErrorCode.FORBIDDEN,
        context: { ...context },
      }),
    );
    // The request a session keeps (`conn.request`, what allowRequest and generateId get) is
    // the IncomingMessage-shaped record of request-record.ts, so those read alike on Node.
    this.#core = new EngineCore<IncomingMessage, HandshakeRequestInfo>(options, {
      generateId: (req) => this.generateId(req),
      handshakeInfo,
      // The Fetch request is not kept per session, its strings are shared (keepRecord).
      retainRequest: (req) => keepRecord(asRecord(req)),
      onConnection: (session) => {
        admission?.opened(session.request);
        this.#announce(session);
      },
      onSessionClosed: (session) => admission?.closed(session.request),
      reportError: (error) => this.#reportError(error),
    });
    this.#host = this.#hostFor(options, admission);
    this.#websocket = websocketHandler(this.#host);
    this.roomPublisher = new BunTopics(
      () => (this.#core.packetHook === null ? this.#servers : NO_SERVERS),
      options.perMessageDeflate !== false,
    );
  }

  get clients(): EngineClients<EngineConnection> {
    return this.#core.sessions as unknown as EngineClients<EngineConnection>;
  }

  get clientsCount(): number {
    return this.#core.sessions.size;
  }

  /** The Bun server the engine last served a request on (null before the first one). */
  get server(): BunServer | null {
    return this.#server;
  }

  /** Session ids, as on the Node engine; override to choose your own (a Promise is allowed). */
  generateId(_req: IncomingMessage): string | Promise<string> {
    return randomId();
  }

  /**
   * The handlers for `Bun.serve`: requests under the engine's path are the engine's, others
   * get 404 (put your own routes in front, or call `handleRequest` from your fetch handler).
   * Bun's own limits are set from the engine's: `maxHttpBufferSize` bounds WebSocket messages
   * and request bodies, and its idle timeout is left to the heartbeat.
   */
  handler(): BunHandler {
    return {
      fetch: (request, server) => {
        if (this.#matches(pathOf(request.url))) return this.handleRequest(request, server);
        return new Response("Not Found", { status: 404 });
      },
      websocket: this.#websocket,
      // A long-polling GET waits up to pingInterval for its answer: Bun's HTTP idle timeout
      // (10 s by default) would cut it. As @socket.io/bun-engine: twice the interval (Bun's
      // maximum is 255 s).
      idleTimeout: Math.min(255, Math.ceil((2 * this.options.pingInterval) / 1000)),
      // Above the engine's own limit: a POST over `maxHttpBufferSize` gets the engine's 413
      // (JSON body, its session ended), which Bun's bare 413 would skip; Bun still cuts off
      // bodies far beyond it.
      maxRequestBodySize: this.options.maxHttpBufferSize + BODY_SLACK,
    };
  }

  /** Bun's `websocket` handler object, for apps that put together their own `Bun.serve`. */
  get websocket(): BunWebSocketHandler<BunSocketData> {
    return this.#websocket;
  }

  /**
   * Serves one request under the engine's path: polling, CORS preflights, WebSocket
   * handshakes and upgrades (then `undefined`: Bun answers the 101), and refusals.
   */
  async handleRequest(request: Request, server: BunServer): Promise<Response | undefined> {
    if (server !== this.#server) {
      this.#server = server;
      if (!this.#servers.includes(server)) this.#servers.push(server);
    }
    if (this.#client !== undefined) {
      const file = serveClientFile(this.#client, pathOf(request.url), request, server);
      if (file !== undefined) return file;
    }
    const req = requestRecord(request, server);
    try {
      return await routeRequest(this.#host, req, request, server);
    } catch (error) {
      this.#reportError(error);
      return engineError(EngineErrorCode.BAD_REQUEST);
    }
  }

  /**
   * @internal Serves the client bundles under the engine's path too (`io.bind(engine)` calls
   * it when the server's `serveClient` is on).
   */
  serveClientFiles(client: ClientFiles | undefined): void {
    this.#client = client;
  }

  /**
   * Sees every Engine.IO packet of every connection (see `PacketHook`); `null` removes it.
   * While one is set, room broadcasts go to each recipient rather than through Bun's topics,
   * so the hook sees them too.
   */
  setPacketHook(hook: PacketHook | null): this {
    this.#core.packetHook = hook;
    return this;
  }

  /**
   * Adds an Express-style `(req, res, next)` middleware, run on every request and WebSocket
   * upgrade the engine handles, as on Node (see the Node engine's `use`): after CORS, before
   * the engine's checks, with `req._query` set. `req` is the request record (Node's
   * `IncomingMessage` fields); `res` a stand-in for Node's `ServerResponse` whose headers join
   * the engine's answer (or the 101) and whose `end()` answers the request instead of the
   * engine. What a middleware adds to a handshake's request (`req.session`) is on
   * `socket.request`. `express-session` works.
   */
  use(middleware: EngineMiddleware): this;
  use(middleware: NodeMiddleware): this;
  use(middleware: EngineMiddleware | NodeMiddleware): this {
    this.#host.middlewares.push(middleware);
    return this;
  }

  /**
   * Hands requests for sessions this engine does not know to `relay` (which may know the node
   * that owns them); `null` removes it. See `BunSessionRelay` (`attachSessionRelay` from
   * @parley/redis-adapter sets it).
   */
  setSessionRelay(relay: BunSessionRelay | null): this {
    this.#host.relay = relay;
    return this;
  }

  /**
   * @internal `io.close()`: closes the session relay set on this engine, if any (on Node the
   * relay closes with the HTTP server; a Bun server has no such event).
   */
  async _closeSessionRelay(): Promise<void> {
    await this.#host.relay?.close?.();
  }

  /** Ends every session ("forced close"). The engine keeps serving new ones. */
  close(): this {
    this.#core.close();
    return this;
  }

  #announce(session: Session<IncomingMessage, HandshakeRequestInfo>): void {
    try {
      this.emit("connection", session);
    } catch (error) {
      this.#reportError(error);
    }
  }

  /** The request pieces' view of this engine (see `BunEngineHost`). */
  #hostFor(options: ResolvedOptions, admission: ConnectionAdmission | null): BunEngineHost {
    const pollingHost: BunPollingHost = {
      options,
      decorateHeaders: (req, headers, sid) => this.#decorateHeaders(req, headers, sid, true),
    };
    return {
      options,
      core: this.#core,
      cors: options.cors === false ? null : new Cors(options.cors),
      pollingHost,
      admission,
      middlewares: [],
      relay: null,
      refuse: (req, refusal, extra) => this.#refuse(req, refusal, extra),
      decorateHeaders: (req, headers, sid, cookie) =>
        this.#decorateHeaders(req, headers, sid, cookie),
      reportError: (error) => this.#reportError(error),
    };
  }

  #refuse(req: BunRequestRecord, refusal: Refusal, extra?: HeaderMap): Response {
    this.#emitConnectionError(req, refusal);
    return engineError(refusal.code, refusal.body, extra);
  }

  #emitConnectionError(req: BunRequestRecord, refusal: Refusal): void {
    if (log.enabled) {
      log("refused %s: %s %j", req.url, EngineErrorMessage[refusal.code], refusal.context);
    }
    try {
      this.emit("connection_error", {
        req: asIncoming(req),
        code: refusal.code,
        message: EngineErrorMessage[refusal.code],
        context: refusal.context,
      });
    } catch (error) {
      this.#reportError(error);
    }
  }

  #decorateHeaders(
    req: BunRequestRecord,
    headers: HeaderMap,
    sid: string | undefined,
    cookie: boolean,
  ): void {
    try {
      if (sid !== undefined) {
        if (cookie) addHandshakeCookies(headers, sid, req, this.options);
        this.emit("initial_headers", headers, asIncoming(req));
      }
      this.emit("headers", headers, asIncoming(req));
    } catch (error) {
      this.#reportError(error);
    }
  }

  #reportError(error: unknown): void {
    reportEngineError(this, error);
  }
}

const NO_SERVERS: readonly BunServer[] = Object.freeze([]);
