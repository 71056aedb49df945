import type { IncomingMessage } from "node:http";
import type { ConnectionAdmission } from "../../rate-limit/connection-admission.js";
import type { HandshakeRequestInfo } from "../contract.js";
import type { EngineCore } from "../core/engine-core.js";
import type { Refusal } from "../core/errors.js";
import type { Cors, HeaderMap } from "../cors.js";
import type { EngineMiddleware } from "../http-middleware.js";
import type { ResolvedOptions } from "../options.js";
import type { BunSessionRelay } from "../session-relay.js";
import type { BunPollingHost } from "./polling.js";
import type { BunRequestRecord } from "./request-record.js";

/**
 * What the Bun front's request pieces (routing, handshake, upgrade) need from their engine:
 * its core and options, and the engine's events (refusals, header hooks, errors), which only
 * the engine can emit. One object per engine, made by its constructor.
 */
export interface BunEngineHost {
  readonly options: ResolvedOptions;
  readonly core: EngineCore<IncomingMessage, HandshakeRequestInfo>;
  readonly cors: Cors | null;
  readonly pollingHost: BunPollingHost;
  /** Per-address handshake limits (`rateLimit.connections`); null when not configured. */
  readonly admission: ConnectionAdmission | null;
  /** `engine.use()` middlewares, in order (usually none: then no per-request cost). */
  readonly middlewares: EngineMiddleware[];
  /** Where requests for other nodes' sessions go (`setSessionRelay`); null: refused. */
  relay: BunSessionRelay | null;
  /** Emits `connection_error` and answers the engine.io refusal (JSON, engine.io's codes). */
  refuse(req: BunRequestRecord, refusal: Refusal, extra?: HeaderMap): Response;
  /** The `headers` (and, with `sid`, `initial_headers`) hooks; `cookie` adds the io cookie. */
  decorateHeaders(
    req: BunRequestRecord,
    headers: HeaderMap,
    sid: string | undefined,
    cookie: boolean,
  ): void;
  reportError(error: unknown): void;
}
