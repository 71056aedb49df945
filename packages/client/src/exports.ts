// The API shared by the Node and browser entry points.

export type { DefaultEventsMap, EventsMap } from "@parley/protocol";
export type { EngineCloseReason, EngineOptions, TransportName } from "./engine/options.js";
export { EngineSocket, type Handshake } from "./engine/socket.js";
export type { Transport } from "./engine/transport.js";
export type { Io } from "./lookup.js";
export type { ManagerEvents } from "./manager.js";
export type {
  Auth,
  AuthData,
  DisconnectReason,
  IoOptions,
  ManagerOptions,
  SocketOptions,
} from "./options.js";
export type { Parser, ParserDecoder, ParserEncoder } from "./parser.js";
export { Socket, type SocketReservedEvents } from "./socket.js";

/** The Socket.IO protocol revision this client speaks. */
export const protocol = 5;
