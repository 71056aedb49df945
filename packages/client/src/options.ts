import type { EngineOptions } from "./engine/options.js";
import type { Parser } from "./parser.js";

/** Socket.IO's disconnect reasons, as seen by a client. */
export type DisconnectReason =
  | "io server disconnect"
  | "io client disconnect"
  | "ping timeout"
  | "transport close"
  | "transport error"
  | "parse error"
  | "forced close";

export type AuthData = Record<string, unknown>;
export type Auth = AuthData | ((cb: (data: AuthData) => void) => void);

export interface SocketOptions {
  /** Sent with every CONNECT: an object, or a function that calls back with one. */
  auth?: Auth;
  /** Default timeout for acks, in ms; the ack callback then receives an error first. */
  ackTimeout?: number;
  /**
   * Resend each emit until it is acknowledged, up to this many extra times (needs
   * `ackTimeout`). Packets go one at a time, in order: at-least-once delivery.
   */
  retries?: number;
}

export interface ManagerOptions extends EngineOptions {
  /** Always make a new Manager (connection) instead of sharing one. */
  forceNew?: boolean;
  /** Share one Manager between namespaces of the same server. Default true. */
  multiplex?: boolean;
  /** Reconnect after the connection is lost. Default true. */
  reconnection?: boolean;
  /** Attempts before giving up with `reconnect_failed`. Default Infinity. */
  reconnectionAttempts?: number;
  /** First delay between attempts, in ms. Default 1000. */
  reconnectionDelay?: number;
  /** Longest delay between attempts, in ms. Default 5000. */
  reconnectionDelayMax?: number;
  /** 0..1: random spread applied to each delay. Default 0.5. */
  randomizationFactor?: number;
  /** Connection timeout before `connect_error` ("timeout"), in ms, or false. Default 20000. */
  timeout?: number | false;
  /** Connect as soon as a Socket is created. Default true. */
  autoConnect?: boolean;
  /**
   * A Socket.IO parser in socket.io-parser's shape (`{ Encoder, Decoder }`), e.g.
   * `require("socket.io-msgpack-parser")`; the server must use the same. Default: Parley's own
   * codec (the standard Socket.IO encoding). Not in the default browser bundle
   * (`socket.io.min.js`), which throws when given one: use `socket.io.msgpack.min.js` or
   * the npm package.
   */
  parser?: Parser;
}

/** What `io(url, opts)` accepts: manager options and the socket's own options. */
export type IoOptions = ManagerOptions & SocketOptions;
