import { debugLog } from "../../debug.js";
import { ClientTable } from "./client-table.js";
import type { HandshakeInfo } from "./contract.js";
import { EngineErrorCode, type Refusal } from "./errors.js";
import { HeartbeatWheel } from "./heartbeat.js";
import type { PacketHook } from "./hooks.js";
import type { CoreOptions } from "./options.js";
import type { RequestRecord } from "./request.js";
import { Session, type SessionHost } from "./session.js";
import type { Transport } from "./transport.js";
import { type Verdict, type VerifyContext, verifyRequest } from "./verify.js";

const log = debugLog("parley:engine", "engine");

/**
 * What the core needs from its runtime front (one object per engine). The front owns the
 * runtime's objects (requests, sockets, its WebSocket server) and the engine's public events;
 * the core calls these, never the other way round.
 */
export interface CoreHost<Req, Info extends HandshakeInfo = HandshakeInfo, Kept = Req> {
  /** A new session id for this handshake (the user's `generateId`); may be a promise. */
  generateId(req: Req): unknown;
  /** The handshake request as `socket.handshake` reads it, made on demand per session. */
  handshakeInfo(kept: Kept): Info;
  /**
   * What a session keeps of its handshake request for its life: the request, readied (or as
   * is), or a compact record of it that `requestOf` turns back into one.
   */
  retainRequest(req: Req): Kept;
  /**
   * The request a session kept, for `conn.request`. Required when `Kept` is not the request
   * itself; it must return the same object on every call for one kept value.
   */
  requestOf?(kept: Kept): Req;
  /** A session completed its handshake (the engine's `connection` event). */
  onConnection(session: Session<Req, Info>): void;
  /** A session closed and left the table (the front releases what it counted for it). */
  onSessionClosed?(session: Session<Req, Info>): void;
  /** A user hook or listener threw (the engine's `error` event). */
  reportError(error: unknown): void;
}

function idError(error: unknown): Refusal {
  return { code: EngineErrorCode.BAD_REQUEST, context: { name: "ID_GENERATION_ERROR", error } };
}

/**
 * The runtime-neutral Engine.IO engine: the session table, ids, request checks, the OPEN
 * packet, the shared heartbeat. A front (Node: `node/engine.ts`; Bun: its own) turns its
 * runtime's requests into `RequestRecord`s, asks `verify`, builds transports, and hands them
 * to `openSession` (a handshake) or `Session#startProbe` (an upgrade). See "The engine core
 * and its fronts" in docs/ARCHITECTURE.md for the whole contract.
 */
export class EngineCore<Req, Info extends HandshakeInfo = HandshakeInfo, Kept = Req> {
  readonly options: CoreOptions<Req>;
  readonly sessions = new ClientTable<Session<Req, Info>>();
  readonly wheel: HeartbeatWheel;
  readonly #host: CoreHost<Req, Info, Kept>;
  readonly #sessionHost: SessionHost<Req, Info> & { packetHook: PacketHook | null };
  readonly #verifyContext: VerifyContext<Req, Info>;

  constructor(options: CoreOptions<Req>, host: CoreHost<Req, Info, Kept>) {
    this.options = options;
    this.#host = host;
    this.wheel = new HeartbeatWheel(
      HeartbeatWheel.tickFor(options.pingInterval, options.pingTimeout),
    );
    const sessions = this.sessions;
    this.#sessionHost = {
      options,
      wheel: this.wheel,
      packetHook: null,
      // A session's kept value is always what this host's retainRequest returned: a Kept.
      handshakeInfo: (kept) => host.handshakeInfo(kept as Kept),
      requestOf:
        host.requestOf === undefined
          ? (kept) => kept as Req
          : (kept) => (host.requestOf as (k: Kept) => Req)(kept as Kept),
      onSessionClosed: (session) => {
        if (sessions.get(session.id) === session) ClientTable.remove(sessions, session.id);
        host.onSessionClosed?.(session);
      },
      reportError: (error) => host.reportError(error),
    };
    this.#verifyContext = {
      options,
      sessions,
      reportError: (error) => host.reportError(error),
    };
  }

  /** The packet hook every session of this engine calls (see `PacketHook`), or null. */
  get packetHook(): PacketHook | null {
    return this.#sessionHost.packetHook;
  }

  set packetHook(hook: PacketHook | null) {
    this.#sessionHost.packetHook = hook;
  }

  /**
   * Checks a request in engine.io's order: a refusal, the session it names, or a handshake.
   * Synchronous unless `allowRequest` is set.
   */
  verify(
    req: RequestRecord<Req>,
    upgrade: boolean,
  ): Verdict<Req, Info> | Promise<Verdict<Req, Info>> {
    return verifyRequest(this.#verifyContext, req, upgrade);
  }

  /** A new session id, or why none: a promise only when `generateId` returned one. */
  newId(req: Req): string | Refusal | Promise<string | Refusal> {
    let id: unknown;
    try {
      id = this.#host.generateId(req);
    } catch (error) {
      return idError(error);
    }
    if (typeof (id as PromiseLike<unknown> | null)?.then === "function") {
      return Promise.resolve(id).then(
        (resolved) => this.#checkId(resolved),
        (error: unknown) => idError(error),
      );
    }
    return this.#checkId(id);
  }

  /** Whether `id` cannot name a new session (in use, or a member of the table's API). */
  isTaken(id: string): boolean {
    return ClientTable.isTaken(this.sessions, id);
  }

  /**
   * Starts a session on `transport` (which the front has built, and for polling already
   * given the handshake's GET): registers it, sends the OPEN packet (and `initialPacket`),
   * starts its heartbeat and announces it (`onConnection`).
   */
  openSession(
    id: string,
    req: RequestRecord<Req>,
    transport: Transport,
    protocol: 3 | 4,
  ): Session<Req, Info> {
    const kept = this.#host.retainRequest(req.native);
    const session = new Session(
      this.#sessionHost,
      id,
      kept,
      req.remoteAddress,
      transport,
      protocol,
    );
    ClientTable.add(this.sessions, id, session);
    session.open();
    if (log.enabled) log('handshaked client "%s" on %s', id, transport.name);
    try {
      this.#host.onConnection(session);
    } catch (error) {
      this.#host.reportError(error);
    }
    return session;
  }

  /** Ends every session ("forced close", as engine.io). New sessions are still served. */
  close(): void {
    if (log.enabled) log("closing all open clients (%d)", this.sessions.size);
    for (const session of [...this.sessions.values()]) session.terminate("forced close");
    this.wheel.clear();
  }

  #checkId(id: unknown): string | Refusal {
    if (typeof id !== "string" || id.length === 0 || this.isTaken(id)) {
      return { code: EngineErrorCode.BAD_REQUEST, context: { name: "ID_GENERATION_ERROR" } };
    }
    return id;
  }
}
