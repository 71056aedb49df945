import { Buffer } from "node:buffer";
import type { IncomingMessage } from "node:http";
import { type ClientOptions, WebSocket } from "ws";
import { parserSupport } from "../parser.js";
import { createTimers, type Timers } from "../timers.js";
import { CookieJar } from "./cookie-jar.js";
import { nodeRequest } from "./http-request.js";
import {
  type BinaryType,
  type EngineOptions,
  NODE_CONNECT_OPTIONS,
  type NodeConnectOptions,
} from "./options.js";
import { type Platform, toArrayBuffer, type WebSocketConstructor } from "./platform.js";

/** Received bytes as `type`, without a copy where the bytes are a whole buffer. */
function binary(bytes: Uint8Array, type: BinaryType): ArrayBuffer | Uint8Array {
  if (type === "arraybuffer") return toArrayBuffer(bytes);
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The timers of `opts`, unref'd with `autoUnref` (a Node Timeout's unref() returns it). */
function nodeTimers(opts: EngineOptions): Timers {
  const timers = createTimers(opts);
  return opts.autoUnref ? { ...timers, set: (fn, ms) => timers.set(fn, ms).unref() } : timers;
}

/** The NodeConnectOptions the user set (an undefined one is not passed on). */
function connectOptions(opts: EngineOptions): NodeConnectOptions {
  const out: Record<string, unknown> = {};
  for (const name of NODE_CONNECT_OPTIONS) if (opts[name] !== undefined) out[name] = opts[name];
  return out as NodeConnectOptions;
}

/** `headers` (lower-cased names) with the jar's cookies after any `Cookie` already there. */
function withCookies(headers: Record<string, string> | undefined, cookies: string) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  out.cookie = out.cookie ? `${out.cookie}; ${cookies}` : cookies;
  return out;
}

/**
 * Node: WebSocket from the `ws` package (Node 20 has no global one, and the global one of
 * later Node versions cannot send `extraHeaders` or take TLS options); polling on
 * `node:http(s)` (http-request.ts); received binary as Buffer unless `binaryType` says
 * "arraybuffer". One platform per Manager, made from its options:
 *
 * - NodeConnectOptions (`ca`, `cert`, `key`, `pfx`, `passphrase`, `ciphers`,
 *   `rejectUnauthorized`, `agent`, `perMessageDeflate`): passed to every polling request and
 *   WebSocket, as engine.io-client does.
 * - `autoUnref`: timers, WebSocket and polling requests do not keep the process alive, as
 *   socket.io-client's.
 * - `withCredentials`: a cookie jar of this Manager's own (never shared between clients), as
 *   socket.io-client has. Cookies set on any polling response or WebSocket handshake go back
 *   with every later polling request and WebSocket upgrade, so a balancer's sticky-session
 *   cookie keeps the client on one server.
 */
export function nodePlatform(opts: EngineOptions): Platform {
  const connect = connectOptions(opts);
  const autoUnref = opts.autoUnref === true;
  const jar = opts.withCredentials ? new CookieJar() : undefined;
  class NodeWebSocket extends WebSocket {
    constructor(
      url: string,
      protocols: undefined,
      options: { headers?: Record<string, string>; maxPayload?: number },
    ) {
      const cookies = jar?.header(url);
      const headers =
        cookies === undefined ? options.headers : withCookies(options.headers, cookies);
      super(url, protocols, { ...(connect as ClientOptions), ...options, headers });
      // From the handshake's response on: its socket (as engine.io-client), and its cookies
      // (the server's `io` cookie on a WebSocket-only connection, a balancer's), kept before
      // "open" for the next connection of this Manager.
      this.once("upgrade", (res: IncomingMessage) => {
        if (autoUnref) res.socket.unref();
        jar?.store(url, res.headers["set-cookie"] ?? []);
      });
    }
  }
  return {
    WebSocket: () => NodeWebSocket as unknown as WebSocketConstructor,
    binaryType: "nodebuffer",
    binary,
    headers: true,
    timers: nodeTimers,
    parser: parserSupport,
    request: nodeRequest({ connect, autoUnref, jar }),
  };
}
