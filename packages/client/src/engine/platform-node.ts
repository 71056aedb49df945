import { Buffer } from "node:buffer";
import type { IncomingMessage } from "node:http";
import { type ClientOptions, WebSocket } from "ws";
import { parserSupport } from "../parser.js";
import { createTimers, type Timers } from "../timers.js";
import { CookieJar } from "./cookie-jar.js";
import { unrefFetch } from "./http-fetch.js";
import type { BinaryType, EngineOptions } from "./options.js";
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

/** `ws`'s WebSocket whose TCP socket does not hold the process open once connected. */
class UnrefWebSocket extends WebSocket {
  constructor(url: string, protocols: undefined, options: ClientOptions) {
    super(url, protocols, options);
    // As engine.io-client: from the handshake's response on (its own socket).
    this.once("upgrade", (res: IncomingMessage) => res.socket.unref());
  }
}

/** `headers` with the jar's cookies after any `Cookie` the user's `extraHeaders` already has. */
function withCookies(headers: HeadersInit | undefined, cookies: string): Headers {
  const out = new Headers(headers);
  const prior = out.get("cookie");
  out.set("cookie", prior ? `${prior}; ${cookies}` : cookies);
  return out;
}

/** `ws`'s WebSocket, sending the jar's cookies with the upgrade and keeping those of the 101. */
function cookieWebSocket(jar: CookieJar, Base: typeof UnrefWebSocket): WebSocketConstructor {
  class CookieWebSocket extends Base {
    constructor(
      url: string,
      protocols: undefined,
      options: { headers?: Record<string, string>; maxPayload?: number },
    ) {
      const cookies = jar.header(url);
      super(
        url,
        protocols,
        cookies === undefined
          ? options
          : { ...options, headers: Object.fromEntries(withCookies(options.headers, cookies)) },
      );
      // Before "open": the handshake's cookies (the server's `io` cookie on a WebSocket-only
      // connection, a balancer's) are kept for the next connection of this Manager.
      this.once("upgrade", (res: IncomingMessage) =>
        jar.store(url, res.headers["set-cookie"] ?? []),
      );
    }
  }
  return CookieWebSocket as unknown as WebSocketConstructor;
}

/**
 * Node: WebSocket from the `ws` package (Node 20 has no global one, and the global one of
 * later Node versions cannot send `extraHeaders`); received binary as Buffer unless
 * `binaryType` says "arraybuffer". One platform per Manager, made from its options:
 *
 * - `autoUnref`: timers, WebSocket and polling requests (on `node:http`, see http-fetch.ts)
 *   do not keep the process alive, as socket.io-client's.
 * - `withCredentials`: a cookie jar of this Manager's own (never shared between clients), as
 *   socket.io-client has. Cookies set on any polling response or WebSocket handshake go back
 *   with every later polling request and WebSocket upgrade, so a balancer's sticky-session
 *   cookie keeps the client on one server.
 */
export function nodePlatform(opts: EngineOptions): Platform {
  const Ws = opts.autoUnref ? UnrefWebSocket : WebSocket;
  const base = opts.autoUnref ? unrefFetch : undefined;
  const platform: Platform = {
    WebSocket: () => Ws as unknown as WebSocketConstructor,
    binaryType: "nodebuffer",
    binary,
    headers: true,
    timers: nodeTimers,
    parser: parserSupport,
  };
  if (base) platform.fetch = base;
  if (!opts.withCredentials) return platform;
  const jar = new CookieJar();
  const WebSocketWithCookies = cookieWebSocket(jar, Ws);
  const send = base ?? fetch;
  return {
    ...platform,
    WebSocket: () => WebSocketWithCookies,
    async fetch(url, init) {
      const cookies = jar.header(url);
      const res = await send(
        url,
        cookies === undefined ? init : { ...init, headers: withCookies(init.headers, cookies) },
      );
      // After a redirect the cookies came from where the response did.
      jar.store(res.url || url, res.headers.getSetCookie());
      return res;
    },
  };
}
