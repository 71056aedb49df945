import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Connection, HandshakeInfo } from "./core/contract.js";

/**
 * The public contract of `@parley/server/engine` on Node: the runtime-neutral one of
 * `core/contract.ts` with Node's request types filled in. The session layer types against
 * these names; a connection from another runtime front has the same shape.
 */

export type {
  ConnectionCloseReason,
  ConnectionEvents,
  ConnectionOwner,
  ConnectionState,
  MessageData,
  PacketInfo,
  PreparedMessage,
  RequestHeaders,
  SendCallback,
  SendOptions,
  TransportInfo,
  TransportName,
} from "./core/contract.js";
export { prepareMessage } from "./core/contract.js";

/** The handshake request as `socket.handshake` reads it (Node's header types). */
export type HandshakeRequestInfo = HandshakeInfo<IncomingHttpHeaders>;

/**
 * One Engine.IO session on Node: `request` is the handshake's `IncomingMessage`. See
 * `Connection` for the guarantees.
 */
export interface EngineConnection extends Connection<IncomingMessage, HandshakeRequestInfo> {}
