/**
 * What differs between runtimes, passed in by each entry point (`index.ts` for Node,
 * `browser.ts` for browsers) so that nothing Node-specific is imported by code that goes into
 * the browser bundle, and no global state is patched at import time.
 */

import type { ParserSupport } from "../parser.js";
import { createTimers, type Timers } from "../timers.js";
import type { BinaryType, EngineOptions } from "./options.js";

/** The part of the WebSocket API (browser `WebSocket` or the `ws` package) the client uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string | Uint8Array): void;
  close(): void;
}

/** Browser WebSocket ignores the third argument; `ws` takes headers and a frame size limit. */
export type WebSocketConstructor = new (
  url: string,
  protocols: undefined,
  options: { headers?: Record<string, string>; maxPayload?: number },
) => WebSocketLike;

export interface Platform {
  /** The WebSocket implementation, looked up when a transport opens; undefined: polling only. */
  WebSocket(): WebSocketConstructor | undefined;
  /** The runtime's default binary type: "arraybuffer" in browsers, "nodebuffer" in Node. */
  binaryType: BinaryType;
  /** Received bytes as `type` (browsers know only ArrayBuffer). */
  binary(bytes: Uint8Array, type: BinaryType): ArrayBuffer | Uint8Array;
  /** Whether `extraHeaders` are sent (Node) or ignored (browsers). */
  headers: boolean;
  /** Polling's `fetch` when not the global one: Node's, with a cookie jar (platform-node.ts). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** The timers of a connection with these options (Node unrefs them with `autoUnref`). */
  timers(opts: EngineOptions): Timers;
  /** The `parser` option, in the builds that include it (not the default browser bundle). */
  parser?: ParserSupport;
}

/**
 * A view of a whole buffer (what the codec and a browser's WebSocket give) passes as is; a
 * part is copied (`new Uint8Array(view)` copies, where Node's `Buffer#slice` would not).
 */
export const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  (bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes))
    .buffer as ArrayBuffer;

export const browserPlatform: Platform = {
  WebSocket: () =>
    (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket as
      | WebSocketConstructor
      | undefined,
  binaryType: "arraybuffer",
  binary: toArrayBuffer,
  headers: false,
  timers: createTimers,
};
