import type { PollingFormat, WebSocketFormat } from "../wire-format.js";
import { JsonpPollingFormat } from "./jsonp-format.js";
import { ENGINE_V3_POLLING, ENGINE_V3_POLLING_BASE64 } from "./polling-format.js";
import { ENGINE_V3_WEBSOCKET, ENGINE_V3_WEBSOCKET_BASE64 } from "./websocket-format.js";

/**
 * Engine.IO v3 (`allowEIO3`): what the engine picks once per session from its handshake
 * request. The rest of the engine only sees the chosen formats and `Session.protocol`.
 */

/**
 * The revision a request speaks: `EIO=4` is 4, anything else (or none) is 3, as engine.io
 * reads it. Only consulted after `verify.ts` let the request through.
 */
export function engineProtocolOf(query: URLSearchParams): 3 | 4 {
  return query.get("EIO") === "4" ? 4 : 3;
}

/**
 * The polling format of a v3 session: JSONP with `j`, else XHR, binary unless `b64` is set
 * and non-empty (engine.io's truthiness test).
 */
export function v3PollingFormat(query: URLSearchParams): PollingFormat {
  const jsonp = query.get("j");
  if (jsonp !== null) return new JsonpPollingFormat(jsonp);
  return query.get("b64") ? ENGINE_V3_POLLING_BASE64 : ENGINE_V3_POLLING;
}

/** The WebSocket format of a v3 session (binary frames unless `b64`). */
export function v3WebSocketFormat(query: URLSearchParams): WebSocketFormat {
  return query.get("b64") ? ENGINE_V3_WEBSOCKET_BASE64 : ENGINE_V3_WEBSOCKET;
}
