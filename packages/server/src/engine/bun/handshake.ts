import type { IncomingMessage } from "node:http";
import type { Refusal } from "../core/errors.js";
import type { RequestRecord } from "../core/request.js";
import type { HeaderMap } from "../cors.js";
import { engineProtocolOf, v3PollingFormat, v3WebSocketFormat } from "../eio3/index.js";
import { EngineErrorCode } from "../http-errors.js";
import { ENGINE_V4_WEBSOCKET } from "../websocket-format.js";
import type { BunServer } from "./bun-runtime.js";
import type { BunEngineHost } from "./engine-host.js";
import { BunPollingTransport } from "./polling.js";
import type { BunRequestRecord } from "./request-record.js";
import { tooManyResponse, withHeaders } from "./responses.js";
import { upgradeRequest, upgradeTransport } from "./upgrade.js";

/** An id `generateId` gave that a session took while it was awaited. */
const ID_TAKEN: Refusal = {
  code: EngineErrorCode.BAD_REQUEST,
  context: { name: "ID_GENERATION_ERROR" },
};

/**
 * A new session, verified: its id (`generateId`, maybe awaited), then the WebSocket
 * handshake (Bun's `open` opens the session) or the polling handshake (its GET carries the
 * OPEN packet).
 */
export async function openHandshake(
  host: BunEngineHost,
  req: BunRequestRecord,
  request: Request,
  server: BunServer,
  record: RequestRecord<IncomingMessage>,
  upgrade: boolean,
  corsHeaders: HeaderMap | undefined,
  commit: (() => HeaderMap) | undefined,
): Promise<Response | undefined> {
  const core = host.core;
  const newId = core.newId(record.native);
  const id = newId instanceof Promise ? await newId : newId;
  if (typeof id !== "string") return host.refuse(req, id, corsHeaders);
  // After the last await: no other handshake can slip in before this one is counted.
  const limited = host.admission?.admit(record.native);
  if (limited !== undefined) return tooManyResponse(limited, corsHeaders);
  const protocol = engineProtocolOf(record.query);
  if (upgrade) {
    const format = protocol === 4 ? ENGINE_V4_WEBSOCKET : v3WebSocketFormat(record.query);
    const transport = upgradeTransport(host, format, id, record, false);
    return upgradeRequest(host, req, request, server, transport, id, commit);
  }
  if (core.isTaken(id)) return host.refuse(req, ID_TAKEN, corsHeaders);
  const format = protocol === 4 ? undefined : v3PollingFormat(record.query);
  const transport = new BunPollingTransport(host.pollingHost, id, format);
  // Bound before the session opens: its OPEN answer carries the binding cookie.
  host.options.sessionBinding?.bind(record);
  // The handshake's GET first, so the OPEN packet goes out on it.
  const answer = transport.onRequest(req, request);
  core.openSession(id, record, transport, protocol);
  return withHeaders(await answer, corsHeaders);
}
