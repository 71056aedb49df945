import type { IncomingMessage } from "node:http";
import { debugLog } from "../../debug.js";
import type { RequestRecord } from "../core/request.js";
import type { HeaderMap } from "../cors.js";
import { EngineErrorCode } from "../http-errors.js";
import { ENGINE_V4_WEBSOCKET } from "../websocket-format.js";
import type { WebSocketFormat } from "../wire-format.js";
import type { BunServer, BunWebSocket, BunWebSocketHandler } from "./bun-runtime.js";
import type { BunEngineHost } from "./engine-host.js";
import type { BunRequestRecord } from "./request-record.js";
import { fetchHeaders } from "./responses.js";
import { type BunSocketData, BunWebSocketConnection, BunWebSocketTransport } from "./websocket.js";

const log = debugLog("parley:engine", "engine");

/**
 * Hands the request to Bun's WebSocket upgrade (a new session's handshake when `newSid` is
 * set, else an upgrade of an existing one); Bun's `open` takes it from there. `undefined`
 * once Bun took it (Bun answers the 101). `commit` gives the headers `engine.use()`
 * middlewares set (their hooks run then, as the Node front commits before ws answers).
 */
export function upgradeRequest(
  host: BunEngineHost,
  req: BunRequestRecord,
  request: Request,
  server: BunServer,
  data: BunSocketData,
  newSid: string | undefined,
  commit: (() => HeaderMap) | undefined,
): Response | undefined {
  const headers: HeaderMap = commit === undefined ? {} : commit();
  // No io cookie on a WebSocket handshake, as engine.io.
  host.decorateHeaders(req, headers, newSid, false);
  // No Headers object when there is nothing to add (the usual case): one less native object
  // made and dropped per connection.
  const upgraded = hasAny(headers)
    ? server.upgrade(request, { data, headers: fetchHeaders(headers) })
    : server.upgrade(request, { data });
  if (upgraded) return undefined;
  return host.refuse(req, {
    code: EngineErrorCode.BAD_REQUEST,
    context: { name: "NOT_A_WEBSOCKET_UPGRADE" },
  });
}

function hasAny(headers: HeaderMap): boolean {
  for (const _ in headers) return true;
  return false;
}

/**
 * Bun's `websocket` handler for the engine's connections. Bun's limits come from the
 * engine's options.
 */
export function websocketHandler(host: BunEngineHost): BunWebSocketHandler<BunSocketData> {
  const options = host.options;
  const compress = options.perMessageDeflate !== false;
  return {
    open: (ws) => onOpen(host, ws),
    message: (ws, message) => ws.data.onMessage(message),
    close: (ws, code, reason) => ws.data.onClose(code, reason),
    drain: (ws) => ws.data.onDrain(),
    maxPayloadLength: options.maxHttpBufferSize,
    // The heartbeat decides when a connection is dead, as on Node; Bun must not reap idle
    // ones first (its default is 120 s, its maximum 960 s).
    idleTimeout: 960,
    // A reader that lets this much pile up is disconnected (the send-buffer limit).
    backpressureLimit: 2 * options.maxBufferedBytes,
    closeOnBackpressureLimit: true,
    perMessageDeflate: compress,
    sendPings: false,
  };
}

/**
 * The transport of an upgrade, made before Bun's `open` as the connection's `ws.data`: a new
 * session's (with its handshake record), or the probe of a polling session's upgrade.
 */
export function upgradeTransport(
  host: BunEngineHost,
  format: WebSocketFormat,
  sid: string,
  record: RequestRecord<IncomingMessage> | undefined,
  probe: boolean,
): BunWebSocketTransport {
  return new BunWebSocketConnection(
    host.options.perMessageDeflate !== false,
    format,
    sid,
    record,
    probe,
  );
}

/** A WebSocket is up: a new session's transport, or the probe of an existing session. */
function onOpen(host: BunEngineHost, ws: BunWebSocket<BunSocketData>): void {
  const peer = ws.data;
  if (!(peer instanceof BunWebSocketTransport)) {
    // Relayed to the session's owner: Bun's events go to the bridge (session relay).
    peer.open(ws);
    return;
  }
  const transport = peer;
  const { sid, record } = transport.open(ws);
  const core = host.core;
  if (record === undefined) {
    // An upgrade of an existing session (the probe dance), or a stray WebSocket for one.
    const session = core.sessions.get(sid);
    if (session === undefined || !transport.probe) {
      if (log.enabled) log("upgrade for sid %s: no session to upgrade, closing", sid);
      transport.close();
      return;
    }
    session.startProbe(transport);
    return;
  }
  if (core.isTaken(sid)) {
    transport.close();
    return;
  }
  const protocol = transport.format === ENGINE_V4_WEBSOCKET ? 4 : 3;
  core.openSession(sid, record, transport, protocol);
}
