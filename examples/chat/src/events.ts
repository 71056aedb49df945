/**
 * The one event map shared by the chat's server and page. Both sides import these types, so
 * a renamed event or a changed payload is a compile error on both ends, not a silent no-op.
 *
 * Every client request that can fail ends in an acknowledgement carrying a `Result`: the page
 * shows `error.message` to the user and may branch on the stable `error.code`.
 */

import type { RateLimitInfo } from "@parley/server";

/** A chat message as stored in history and delivered to every member of its room. */
export interface ChatMessage {
  /** Server-assigned, unique per message. */
  id: string;
  room: string;
  nick: string;
  text: string;
  /** Server time of acceptance, ms since the epoch. */
  ts: number;
  /** The sender's id for it, so the sender's page matches the echo to its pending copy. */
  clientId: string;
}

/** A room and how many distinct people are in it right now. */
export interface RoomInfo {
  name: string;
  online: number;
}

/**
 * A change to the room list: rooms that appeared or whose online count changed, and rooms
 * that are gone (empty rooms are forgotten). Sent instead of the whole list, which a client
 * asks for once (`room:list`) after each connection.
 */
export interface RoomDelta {
  upserted: RoomInfo[];
  removed: string[];
}

/** Stable error codes: the page may branch on them; the text is for people. */
export type ChatErrorCode =
  | "NICK_INVALID"
  | "ROOM_INVALID"
  | "MESSAGE_INVALID"
  | "MESSAGE_TOO_LONG"
  | "RATE_LIMITED"
  | "NOT_IN_ROOM"
  | "TOO_MANY_ROOMS"
  | "ROOMS_FULL"
  | "INTERNAL";

export interface ChatError {
  code: ChatErrorCode;
  message: string;
  /** For RATE_LIMITED: when the next attempt can succeed. */
  retryAfterMs?: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ChatError };

/**
 * The acknowledgement of a request over a rate limit (see rate-limits.ts): written by
 * `@parley/server`'s `rateLimit` in place of the handler's answer. No `ok`, so it reads as a
 * failure; the page words it for people.
 */
export interface RateLimitedReply {
  ok?: undefined;
  error: RateLimitInfo;
}

/** What joining a room returns: the recent history (oldest first) and who is there. */
export interface JoinedRoom {
  room: string;
  history: ChatMessage[];
  members: string[];
}

/** A message as the page sends it. `clientId` lets the server drop a retried duplicate. */
export interface OutgoingMessage {
  room: string;
  text: string;
  clientId: string;
}

export interface Delivered {
  id: string;
  ts: number;
}

export interface ClientToServerEvents {
  "room:list": (ack: (res: Result<RoomInfo[]>) => void) => void;
  /** Joins (and creates, when new) a room. */
  "room:join": (room: string, ack: (res: Result<JoinedRoom>) => void) => void;
  "room:leave": (room: string, ack: (res: Result<null>) => void) => void;
  "message:send": (
    msg: OutgoingMessage,
    ack: (res: Result<Delivered> | RateLimitedReply) => void,
  ) => void;
  typing: (room: string, typing: boolean) => void;
}

export interface ServerToClientEvents {
  "message:new": (msg: ChatMessage) => void;
  "presence:update": (room: string, members: string[]) => void;
  "typing:update": (room: string, nick: string, typing: boolean) => void;
  "room:delta": (delta: RoomDelta) => void;
}

/** Events between chat instances in a cluster: none yet; the adapter carries the broadcasts. */
export type InterServerEvents = Record<never, never>;

/** Per-socket state the server keeps; visible to other instances through fetchSockets(). */
export interface SocketData {
  nick: string;
}

/** The handshake `auth` the page sends: the nickname travels with every (re)connection. */
export interface ChatAuth {
  nick: string;
}
