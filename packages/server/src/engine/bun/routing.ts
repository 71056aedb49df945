import { debugLog } from "../../debug.js";
import { isRefusal } from "../core/errors.js";
import type { HeaderMap } from "../cors.js";
import { v3WebSocketFormat } from "../eio3/index.js";
import { EngineErrorCode } from "../http-errors.js";
import { ENGINE_V4_WEBSOCKET } from "../websocket-format.js";
import type { BunServer } from "./bun-runtime.js";
import type { BunEngineHost } from "./engine-host.js";
import { openHandshake } from "./handshake.js";
import { runMiddlewares } from "./middlewares.js";
import { BunPollingTransport } from "./polling.js";
import { relayRefused } from "./relay.js";
import { asIncoming, type BunRequestRecord, coreRecord } from "./request-record.js";
import { engineError, fetchHeaders, withHeaders } from "./responses.js";
import { upgradeRequest, upgradeTransport } from "./upgrade.js";

const log = debugLog("parley:engine", "engine");

/**
 * One request under the engine's path, in engine.io's order: CORS (preflights answered
 * here), the transport check, `engine.use()` middlewares, the core's verification; then the session's polling request or
 * WebSocket upgrade, or a new session's handshake.
 */
export async function routeRequest(
  host: BunEngineHost,
  req: BunRequestRecord,
  request: Request,
  server: BunServer,
): Promise<Response | undefined> {
  if (log.enabled) log('handling "%s" request "%s"', req.method, req.url);
  const upgrade = (req.headers.upgrade ?? "").toLowerCase() === "websocket";
  let corsHeaders: HeaderMap | undefined;
  const cors = host.cors;
  if (cors !== null) {
    const verdict = await cors.check(asIncoming(req));
    if (verdict === null) {
      // A refused origin's preflight gets engine.io's answer: a success without any
      // Access-Control-* header, which the browser takes as a refusal.
      if (req.method === "OPTIONS") return new Response(null, { status: 204 });
      return host.refuse(req, {
        code: EngineErrorCode.FORBIDDEN,
        context: { name: "CORS_ORIGIN_REFUSED", origin: req.headers.origin },
      });
    }
    if (req.method === "OPTIONS") {
      return new Response(null, {
        status: verdict.preflightStatus,
        headers: fetchHeaders(verdict.headers),
      });
    }
    corsHeaders = verdict.headers;
  }
  if (upgrade && !host.options.transports.has("websocket")) {
    return host.refuse(req, {
      code: EngineErrorCode.UNKNOWN_TRANSPORT,
      context: { transport: "websocket" },
    });
  }
  if (host.middlewares.length === 0) {
    return dispatch(host, req, request, server, upgrade, corsHeaders, undefined);
  }
  return runMiddlewares(host, req, upgrade, corsHeaders, (commit) =>
    dispatch(host, req, request, server, upgrade, corsHeaders, commit),
  );
}

/** After CORS and `engine.use()` middlewares: the core's checks, then the request's session. */
async function dispatch(
  host: BunEngineHost,
  req: BunRequestRecord,
  request: Request,
  server: BunServer,
  upgrade: boolean,
  corsHeaders: HeaderMap | undefined,
  commit: (() => HeaderMap) | undefined,
): Promise<Response | undefined> {
  const record = coreRecord(req);
  const query = record.query;
  const checked = host.core.verify(record, upgrade);
  const verdict = checked instanceof Promise ? await checked : checked;
  if (isRefusal(verdict)) {
    const relayed = relayRefused(host, verdict, query, request, server, upgrade);
    if (relayed !== null) return relayed;
    return host.refuse(req, verdict, corsHeaders);
  }
  if (!("session" in verdict)) {
    return openHandshake(host, req, request, server, record, upgrade, corsHeaders, commit);
  }
  const session = verdict.session;
  if (upgrade) {
    const format = session.protocol === 4 ? ENGINE_V4_WEBSOCKET : v3WebSocketFormat(query);
    const probe = query.get("transport") === "websocket";
    const transport = upgradeTransport(host, format, session.id, undefined, probe);
    return upgradeRequest(host, req, request, server, transport, undefined, commit);
  }
  // verify() checked the request names the session's current transport: polling.
  const transport = session.transport;
  if (!(transport instanceof BunPollingTransport)) return engineError(EngineErrorCode.BAD_REQUEST);
  return withHeaders(await transport.onRequest(req, request), corsHeaders);
}
