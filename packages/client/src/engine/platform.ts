/**
 * What differs between runtimes, passed in by each entry point (`index.ts` for Node,
 * `browser.ts` for browsers) so that nothing Node-specific is imported by code that goes into
 * the browser bundle, and no global state is patched at import time.
 */

import type { ParserSupport } from "../parser.js";
import { createTimers, type Timers } from "../timers.js";
import { fetchRequest } from "./fetch-request.js";
import type { BinaryType, EngineOptions } from "./options.js";

/** The part of the WebSocket API (browser `WebSocket` or the `ws` package) the client uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  /** Browsers take one argument; `ws` also takes `{ compress }`. */
  send(data: string | Uint8Array, options?: { compress: boolean }): void;
  close(): void;
}

/** Browser WebSocket ignores the third argument; `ws` takes headers and a frame size limit. */
export type WebSocketConstructor = new (
  url: string,
  protocols: undefined,
  options: { headers?: Record<string, string>; maxPayload?: number },
) => WebSocketLike;

/**
 * One long-polling request, as the polling transport asks for it: the part of `fetch`'s
 * RequestInit it uses (browsers hand it to `fetch` as it is).
 */
export interface HttpRequest {
  method: "GET" | "POST";
  headers: Record<string, string>;
  /** "include" with `withCredentials` (browsers; Node has its cookie jar instead). */
  credentials: "include" | "same-origin";
  signal: AbortSignal;
  /** A POST's body (an Engine.IO payload, always text); null for a GET. */
  body: string | null;
}

/** A polling response: its HTTP status and its body (a tuple: fewer bytes in the bundle). */
export type HttpResponse = Promise<[status: number, text: string]>;

export interface Platform {
  /** The WebSocket implementation, looked up when a transport opens; undefined: polling only. */
  WebSocket(): WebSocketConstructor | undefined;
  /** The runtime's default binary type: "arraybuffer" in browsers, "nodebuffer" in Node. */
  binaryType: BinaryType;
  /** Received bytes as `type` (browsers know only ArrayBuffer). */
  binary(bytes: Uint8Array, type: BinaryType): ArrayBuffer | Uint8Array;
  /** Whether `extraHeaders` are sent (Node) or ignored (browsers). */
  headers: boolean;
  /**
   * Carries out one long-polling request (browsers: `fetch`; Node: `node:http(s)`), reading
   * at most `maxPayload` bytes of body: past them it fails with PACKET_TOO_LARGE.
   */
  request(url: string, req: HttpRequest, maxPayload: number): HttpResponse;
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
  request: fetchRequest,
};
