export type TransportName = "polling" | "websocket";

/** How received binary is delivered: Buffer (Node's default) or ArrayBuffer (browsers'). */
export type BinaryType = "nodebuffer" | "arraybuffer";

/** TLS material: PEM text or bytes (a Node `Buffer`), or several. */
export type TlsMaterial = string | Uint8Array | (string | Uint8Array)[];

/**
 * Node only: how to reach the server, as engine.io-client takes them, passed to
 * `https.request` (polling) and to `ws` (WebSocket). The browser entry refuses them: a page
 * cannot choose its TLS settings.
 */
export interface NodeConnectOptions {
  /** An `http.Agent` / `https.Agent` for every request and the WebSocket; `false`: none (a fresh connection each time). */
  agent?: false | object;
  /** Trusted CAs, instead of Node's list (a self-signed server's certificate, an internal CA). */
  ca?: TlsMaterial;
  /** Client certificate chain (mutual TLS), with `key`. */
  cert?: TlsMaterial;
  /** Client private key (mutual TLS). */
  key?: TlsMaterial;
  /** Client key and certificate as PKCS#12. */
  pfx?: TlsMaterial;
  /** Passphrase of `key` or `pfx`. */
  passphrase?: string;
  /** OpenSSL cipher list. */
  ciphers?: string;
  /** `false` accepts any server certificate (development only). Default true. */
  rejectUnauthorized?: boolean;
  /** WebSocket permessage-deflate: `false` not to offer it, or `ws`'s options. Default: offered. */
  perMessageDeflate?: boolean | object;
}

/** The names of NodeConnectOptions, which the Node platform passes on and browsers refuse. */
export const NODE_CONNECT_OPTIONS = [
  "agent",
  "ca",
  "cert",
  "key",
  "pfx",
  "passphrase",
  "ciphers",
  "rejectUnauthorized",
  "perMessageDeflate",
] as const satisfies readonly (keyof NodeConnectOptions)[];

/** Options of one Engine.IO connection (the Manager passes its own through). */
export interface EngineOptions extends NodeConnectOptions {
  /** Engine.IO endpoint path. Default `/socket.io/`. */
  path?: string;
  /** Extra query parameters sent with every request. */
  query?: string | Record<string, string | number | boolean>;
  /** Transports to try, in order. Default `["polling", "websocket"]`. */
  transports?: TransportName[];
  /** Upgrade from polling to WebSocket when the server offers it. Default true. */
  upgrade?: boolean;
  /** After a successful WebSocket connection, start the next one on WebSocket directly. */
  rememberUpgrade?: boolean;
  /** Send cookies on cross-origin polling requests (`credentials: "include"`). */
  withCredentials?: boolean;
  /** Headers for every HTTP request and the WebSocket handshake. Node only; browsers ignore them. */
  extraHeaders?: Record<string, string>;
  /** Close the connection on `beforeunload` (browsers). Default false. */
  closeOnBeforeunload?: boolean;
  /**
   * Largest Engine.IO packet accepted from the server, in bytes (binary) or UTF-16 code units
   * (text); over long-polling, each response body as a whole is held to this many bytes, and
   * reading stops as soon as it is passed. Past it the connection closes with "parse error"
   * (a `ProtocolError` with code PACKET_TOO_LARGE). Default 100 MB.
   */
  maxPayload?: number;
  /**
   * Use the timer functions found when the client was loaded, even when a fake-timer library
   * has replaced the global ones since. Default false.
   */
  useNativeTimers?: boolean;
  /**
   * Node: let the process exit while this client is its only work (its timers, sockets and
   * requests do not hold the event loop open). Browsers ignore it. Default false.
   */
  autoUnref?: boolean;
}

export type EngineCloseReason =
  | "transport close"
  | "transport error"
  | "parse error"
  | "ping timeout"
  | "forced close";

export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

/**
 * The longest a close waits for requests in flight, in ms. The engine waits this long for the
 * POST carrying what was buffered (or for the long-poll an upgrade must see answered) before it
 * closes anyway, aborting them; polling waits this long for the answer to its close request.
 * socket.io-client waits without a bound: a server that never answers would keep the
 * connection, and a Node process, alive.
 */
export const CLOSE_TIMEOUT = 2000;

/**
 * An Error for a failed request or socket, with socket.io-client's shape: `description` is
 * the HTTP status of a refused polling request, else the underlying error or event;
 * `context` holds what else is known (a polling response's status and body).
 */
export class TransportError extends Error {
  readonly type = "TransportError";
  readonly description: unknown;
  readonly context: unknown;
  constructor(message: string, description?: unknown, context?: unknown) {
    super(message);
    this.description = description;
    this.context = context;
  }
}
