import type { ParsedUrlQuery } from "node:querystring";
import { RELIABLE_EVENT } from "@parley/protocol";
import type { ConnectionCloseReason } from "./engine/contract.js";
import { PRESENCE_EVENT } from "./presence/presence-message.js";

/**
 * Why a socket left its namespace, as `socket.on("disconnect", reason)` receives it:
 * - "server namespace disconnect": the server called `socket.disconnect()`;
 * - "client namespace disconnect": the client called `socket.disconnect()`;
 * - "server shutting down": `io.close()`;
 * - "forced server close": the server ended the whole connection (`socket.disconnect(true)`,
 *   a packet that is valid but out of place, or no CONNECT within `connectTimeout`);
 * - "parse error": the client sent bytes that are not a valid Engine.IO packet (a Socket.IO
 *   packet that does not decode gives an `error` event, then "forced close", as socket.io);
 * - the transport's reasons ("transport close", "transport error", "ping timeout",
 *   "forced close", "send buffer overflow").
 */
export type DisconnectReason =
  | ConnectionCloseReason
  | "server namespace disconnect"
  | "client namespace disconnect"
  | "server shutting down"
  | "forced server close"
  | "parse error";

/** What the server learned about a socket when it connected. */
export interface Handshake {
  /** Headers of the request that opened the Engine.IO session. */
  headers: import("node:http").IncomingHttpHeaders;
  /** When the socket connected, as `Date#toString()`. */
  time: string;
  /** The peer's IP address. */
  address: string;
  /** Whether the request came with an `Origin` header (a cross-site request). */
  xdomain: boolean;
  /** Whether the connection runs over TLS. */
  secure: boolean;
  /** When the socket connected, in milliseconds since the epoch. */
  issued: number;
  /** The URL of the handshake request. */
  url: string;
  /** Its query string, parsed. */
  query: ParsedUrlQuery;
  /**
   * The `auth` payload the client sent with CONNECT (`{}` when none). Untrusted client
   * input: check its fields before use. Loosely typed, as in Socket.IO, so that
   * `verify(socket.handshake.auth.token)` compiles unchanged.
   */
  // biome-ignore lint/suspicious/noExplicitAny: drop-in typing; the values come from the client
  auth: { [key: string]: any };
}

/**
 * Names a server may not emit to a client: they are the client's own lifecycle events, and
 * the name reliable packets travel under (a client that announced it deduplicates must never
 * mistake an ordinary event for one).
 */
export const SOCKET_RESERVED_EVENTS: ReadonlySet<string> = new Set([
  RELIABLE_EVENT,
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

/** Names `serverSideEmit` may not use: they are a namespace's lifecycle events. */
export const NAMESPACE_RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connection",
  "new_namespace",
  "handler_error",
  PRESENCE_EVENT,
]);

/** What a `socket.use()` middleware receives: the event name, then its arguments. */
// biome-ignore lint/suspicious/noExplicitAny: the arguments of any event, as Socket.IO types them
export type Event = [eventName: string, ...args: any[]];

/** The error `next(err)` takes in middleware: `data` reaches the client's `connect_error`. */
export interface ExtendedError extends Error {
  data?: unknown;
}

/** The events a server-side socket emits itself (`socket.on("disconnect", …)`). */
export type SocketReservedEvents = {
  disconnect(reason: DisconnectReason, description?: unknown): void;
  disconnecting(reason: DisconnectReason, description?: unknown): void;
  /**
   * A `socket.use()` middleware refused a packet, or the connection sent a packet that does
   * not decode (the socket then disconnects with "forced close").
   */
  error(err: Error): void;
};

/** `(event, ...args)` as a catch-all listener receives them. */
export type AnyListener = (event: string, ...args: unknown[]) => void;

/**
 * Disconnect reasons after which the session is kept for connection state recovery: the
 * connection dropped, or the server went away. A client or server namespace disconnect, or
 * a client that sent garbage, gets no recovery.
 */
export const RECOVERABLE_REASONS: ReadonlySet<DisconnectReason> = new Set<DisconnectReason>([
  "transport error",
  "transport close",
  "forced close",
  "ping timeout",
  "server shutting down",
  "forced server close",
]);
