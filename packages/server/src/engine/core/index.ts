/**
 * The runtime-neutral engine core: what a runtime front builds on. Nothing reachable from here
 * imports `node:http`, `node:net`, `node:stream` or `ws` (checked by
 * `test/engine/core.test.ts`); Buffer, `node:events` and `node:crypto` are used (Bun has them).
 * The contract is written down in docs/ARCHITECTURE.md, "The engine core and its fronts".
 */
export { ClientTable, type EngineClients } from "./client-table.js";
export * from "./contract.js";
export { type CoreHost, EngineCore } from "./engine-core.js";
export {
  EngineErrorCode,
  EngineErrorMessage,
  errorBody,
  isRefusal,
  type Refusal,
  statusFor,
} from "./errors.js";
export { type HeartbeatTarget, HeartbeatWheel } from "./heartbeat.js";
export { type PacketHook, type RoomPublisher, roomTopic } from "./hooks.js";
export type { AllowRequestHook, CoreOptions } from "./options.js";
export { openPacket } from "./outgoing.js";
export { parseQuery, type RequestRecord } from "./request.js";
export { Session, type SessionHost } from "./session.js";
export {
  isPrepared,
  type OutgoingItem,
  type OutgoingPacket,
  type Transport,
  type TransportSink,
} from "./transport.js";
export { TRANSPORTS, type TransportKind, transportKind } from "./transports.js";
export type { Verdict } from "./verify.js";
