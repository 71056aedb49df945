// @parley/server/bun: Parley's engine in front of Bun.serve, for apps that call Bun.serve
// themselves (`io.listen(port)` under Bun needs none of this: it uses Bun.serve on its own).
export { BunEngine, type BunHandler } from "./bun-engine.js";
export type {
  BunServeOptions,
  BunServer,
  BunWebSocket,
  BunWebSocketHandler,
} from "./bun-runtime.js";
export type { BunRequestRecord } from "./request-record.js";
export type { BunSocketData } from "./websocket.js";
