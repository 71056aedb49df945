import { Buffer } from "node:buffer";
import type { IncomingMessage } from "node:http";
import { WebSocket } from "ws";
import { CookieJar } from "./cookie-jar.js";
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

/** `headers` with the jar's cookies after any `Cookie` the user's `extraHeaders` already has. */
function withCookies(headers: HeadersInit | undefined, cookies: string): Headers {
  const out = new Headers(headers);
  const prior = out.get("cookie");
  out.set("cookie", prior ? `${prior}; ${cookies}` : cookies);
  return out;
}

/** `ws`'s WebSocket, sending the jar's cookies with the upgrade and keeping those of the 101. */
function cookieWebSocket(jar: CookieJar): WebSocketConstructor {
  class CookieWebSocket extends WebSocket {
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
 * Node with `withCredentials`: the Node platform plus a cookie jar of its own (one per Manager,
 * never shared between clients), as socket.io-client has. Cookies set on any polling response
 * or WebSocket handshake go back with every later polling request and WebSocket upgrade, so a
 * balancer's sticky-session cookie keeps the client on one server.
 */
export function cookiePlatform(): Platform {
  const jar = new CookieJar();
  const WebSocketWithCookies = cookieWebSocket(jar);
  return {
    ...nodePlatform,
    WebSocket: () => WebSocketWithCookies,
    async fetch(url, init) {
      const cookies = jar.header(url);
      const res = await fetch(
        url,
        cookies === undefined ? init : { ...init, headers: withCookies(init.headers, cookies) },
      );
      // After a redirect the cookies came from where the response did.
      jar.store(res.url || url, res.headers.getSetCookie());
      return res;
    },
  };
}
