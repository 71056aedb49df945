import { type Packet, PacketType } from "@parley/protocol";
import type { PrivateSessionId, SocketId } from "./adapter/adapter.js";
import { LEGACY_ENGINE_PROTOCOL, legacyConnectErrorData } from "./legacy-v2/socket-protocol-v4.js";
import type { ExtendedError } from "./socket-types.js";

/**
 * The CONNECT that confirms a socket to its client. Socket.IO v5 clients get the socket id,
 * the private session id when recovery is on, and why a requested session was not restored;
 * v4-protocol clients (socket.io-client 2.x, over Engine.IO 3) get a bare CONNECT: they
 * derive the id themselves and know nothing of recovery.
 */
export function connectPacket(
  nsp: string,
  engineProtocol: number,
  sid: SocketId,
  pid: PrivateSessionId | undefined,
  recoveryFailure: string | undefined,
): Packet {
  if (engineProtocol === LEGACY_ENGINE_PROTOCOL) return { type: PacketType.CONNECT, nsp };
  const data: { sid: SocketId; pid?: PrivateSessionId; recoveryFailure?: string } = { sid };
  if (pid !== undefined) data.pid = pid;
  // Clients that do not know the field ignore it (socket.io-client reads sid and pid).
  if (recoveryFailure !== undefined) data.recoveryFailure = recoveryFailure;
  return { type: PacketType.CONNECT, nsp, data };
}

/** The CONNECT_ERROR a middleware's `next(err)` sends, in the client's protocol version. */
export function connectErrorPacket(
  nsp: string,
  engineProtocol: number,
  err: ExtendedError,
): Packet {
  if (engineProtocol === LEGACY_ENGINE_PROTOCOL) {
    return { type: PacketType.CONNECT_ERROR, nsp, data: legacyConnectErrorData(err) };
  }
  const data: { message: string; data?: unknown } = { message: err.message };
  if (err.data !== undefined) data.data = err.data;
  return { type: PacketType.CONNECT_ERROR, nsp, data };
}
