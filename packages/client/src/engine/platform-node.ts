import { Buffer } from "node:buffer";
import { WebSocket } from "ws";
import type { Platform, WebSocketConstructor } from "./platform.js";

/**
 * Node: WebSocket from the `ws` package (Node 20 has no global one, and the global one of
 * later Node versions cannot send `extraHeaders`); received binary as Buffer.
 */
export const nodePlatform: Platform = {
  WebSocket: () => WebSocket as unknown as WebSocketConstructor,
  binaryType: "nodebuffer",
  binary: (bytes) =>
    Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  headers: true,
};
