import type { Refusal } from "../core/errors.js";
import { EngineErrorCode } from "../http-errors.js";
import type { BunRelayedSocket } from "../session-relay.js";
import type { BunServer } from "./bun-runtime.js";
import type { BunEngineHost } from "./engine-host.js";
import { engineError } from "./responses.js";
import type { BunSocketData } from "./websocket.js";

/**
 * A request refused for naming a session unknown here, offered to the session relay (see
 * `BunSessionRelay`): its answer to come, or `null` when the relay did not take it (no relay,
 * no `sid`, another refusal, or the owner is not alive) and the engine refuses it as usual.
 */
export function relayRefused(
  host: BunEngineHost,
  refusal: Refusal,
  query: URLSearchParams,
  request: Request,
  server: BunServer,
  upgrade: boolean,
): Promise<Response | undefined> | null {
  const relay = host.relay;
  const sid = query.get("sid");
  if (relay === null || sid === null || refusal.code !== EngineErrorCode.UNKNOWN_SID) return null;
  let answer: Promise<Response | BunRelayedSocket> | null;
  try {
    answer = relay.relayFetch(request, sid, upgrade);
  } catch (error) {
    host.reportError(error);
    return null;
  }
  if (answer === null) return null;
  return answer.then(
    (a) => (a instanceof Response ? a : upgradeRelayed(request, server, a)),
    (error: unknown) => {
      // The relay answers its own failures; a rejection is a bug there: the client retries.
      host.reportError(error);
      return engineError(EngineErrorCode.UNKNOWN_SID);
    },
  );
}

/** The owner accepted the upgrade: the client's WebSocket is bridged to it, not a transport. */
function upgradeRelayed(
  request: Request,
  server: BunServer,
  socket: BunRelayedSocket,
): Response | undefined {
  // The bridge is the connection's `ws.data`: Bun's events go to it.
  const data: BunSocketData = socket;
  if (server.upgrade(request, { data, headers: socket.headers })) return undefined;
  socket.abort();
  return engineError(EngineErrorCode.BAD_REQUEST);
}
