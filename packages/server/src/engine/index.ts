import type { IncomingMessage } from "node:http";
import type { HandshakeRequestInfo } from "./contract.js";
import { Session } from "./core/session.js";

export type {
  ConnectionCloseReason,
  ConnectionEvents,
  ConnectionOwner,
  ConnectionState,
  EngineConnection,
  HandshakeRequestInfo,
  MessageData,
  PacketInfo,
  PreparedMessage,
  SendCallback,
  SendOptions,
  TransportInfo,
  TransportName,
} from "./contract.js";
export { prepareMessage } from "./contract.js";
export { ClientTable, type EngineClients } from "./core/client-table.js";
export { type HeartbeatTarget, HeartbeatWheel } from "./core/heartbeat.js";
export { type PacketHook, type RoomPublisher, roomTopic } from "./core/hooks.js";

/** One Engine.IO session on Node (the class behind `EngineConnection`). */
export type EngineSession = Session<IncomingMessage, HandshakeRequestInfo>;
/** engine.io's name for a connection's class: every `connection` is one (`instanceof Socket`). */
export type Socket = EngineSession;
export const Socket = Session;
export type { HeaderMap } from "./cors.js";
export { attach, ENGINE_IO_PATH, listen, protocol, Server } from "./engine-io.js";
export {
  type EngineConnectionError,
  EngineErrorCode,
  EngineErrorMessage,
} from "./http-errors.js";
export type {
  EngineMiddleware,
  EngineNext,
  EngineRequest,
  NodeMiddleware,
} from "./http-middleware.js";
export { Engine, type EngineEvents } from "./node/engine.js";
export {
  type AllowRequest,
  type AttachOptions,
  type CookieOptions,
  type CorsOptions,
  type CorsOptionsDelegate,
  type CorsOrigin,
  type CorsOriginFunction,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_PATH,
  type EngineOptions,
  type HttpCompressionOptions,
} from "./options.js";
export type { BunRelayedSocket, BunSessionRelay, SessionRelay } from "./session-relay.js";
export type { UpgradeResponse } from "./upgrade-response.js";
