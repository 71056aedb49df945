import type { ClusterMessage } from "@parley/server";
import { decode as decodeMsgpack } from "notepack.io";
import { describeError, type Logger } from "./logger.js";
import type { RedisAdapterOptions } from "./options.js";
import { validateMessage } from "./validate.js";

/**
 * Intake of `@socket.io/redis-emitter` messages (socket.io's emitter, v4/v5), for servers
 * with `socketIoEmitter: true`.
 *
 * Its format, read from its source: broadcasts are MessagePack (notepack.io) arrays
 * `["emitter", packet, { rooms, except, flags }]`, classic-PUBLISHed on `<key>#<nsp>#`, or on
 * `<key>#<nsp>#<room>#` when they target exactly one room (any room, socket ids included).
 * `socketsJoin`/`socketsLeave`/`disconnectSockets`/`serverSideEmit` are JSON
 * `{ type, opts, rooms | close | data }` on `<key>-request#<nsp>#`, with socket.io's request
 * types 2, 3, 4 and 6. Its channel names already match Parley's; what differs is the encoding,
 * the request channel, classic Pub/Sub, and a channel for every single room.
 */

/** socket.io-adapter's RequestType values the emitter sends. */
const REMOTE_JOIN = 2;
const REMOTE_LEAVE = 3;
const REMOTE_DISCONNECT = 4;
const SERVER_SIDE_EMIT = 6;

const EMITTER_UID = "emitter";

export function requestChannel(key: string, nsp: string): string {
  return `${key}-request#${nsp}#`;
}

/**
 * The options a server needs to hear socket.io's emitter: classic Pub/Sub (the emitter
 * PUBLISHes; sharded subscribers never hear it) and a channel for every room, socket ids
 * included (the emitter sends `to(socketId)` on that room's channel). An explicit option that
 * contradicts either throws here, at setup, naming the fix.
 */
export function withEmitterCompat(opts: RedisAdapterOptions): RedisAdapterOptions {
  if (opts.socketIoEmitter !== true) return opts;
  if (opts.pubsub !== undefined && opts.pubsub !== "classic") {
    throw new TypeError(
      `@parley/redis-adapter: socketIoEmitter needs classic Pub/Sub (socket.io's emitter uses PUBLISH, which sharded subscribers never hear): drop pubsub: "${opts.pubsub}" or set it to "classic"`,
    );
  }
  if (opts.subscriptionMode !== undefined && opts.subscriptionMode !== "dynamic-private") {
    throw new TypeError(
      `@parley/redis-adapter: socketIoEmitter needs subscriptionMode "dynamic-private" (socket.io's emitter sends every single-room broadcast, to(socketId) included, on that room's channel): drop subscriptionMode: "${opts.subscriptionMode}"`,
    );
  }
  return { ...opts, pubsub: "classic", subscriptionMode: "dynamic-private" };
}

/** MessagePack arrays start with 0x90–0x9f (fixarray), 0xdc or 0xdd; Parley's never do. */
export function looksLikeMsgpack(raw: Buffer): boolean {
  const first = raw[0];
  return (
    first !== undefined && ((first >= 0x90 && first <= 0x9f) || first === 0xdc || first === 0xdd)
  );
}

/**
 * Turns one socket.io emitter message into the cluster message it means, or the reason it
 * cannot. `nsp` is the adapter's namespace: requests do not carry one.
 */
export function fromSocketIoEmitter(
  raw: Buffer,
  isRequest: boolean,
  nsp: string,
): ClusterMessage | string {
  let value: unknown;
  try {
    value = isRequest ? JSON.parse(raw.toString("utf8")) : decodeMsgpack(raw);
  } catch (err) {
    return `undecodable socket.io emitter message: ${describeError(err)}`;
  }
  const message = isRequest ? fromRequest(value, nsp) : fromBroadcast(value, nsp);
  return typeof message === "string" ? message : validateMessage(message);
}

function fromBroadcast(value: unknown, nsp: string): Record<string, unknown> | string {
  if (!Array.isArray(value) || value.length !== 3) return "not a socket.io emitter broadcast";
  const [uid, packet, opts] = value as [unknown, unknown, unknown];
  if (uid !== EMITTER_UID) return "a socket.io broadcast not sent by an emitter";
  if (!isRecord(packet) || !isRecord(opts)) return "bad socket.io emitter broadcast";
  if (packet.nsp !== undefined && packet.nsp !== nsp)
    return "socket.io emitter broadcast for another namespace";
  return {
    type: "broadcast",
    uid: EMITTER_UID,
    nsp,
    packet: { type: packet.type, nsp, data: packet.data },
    opts: { rooms: opts.rooms, except: opts.except ?? [], flags: opts.flags ?? {} },
  };
}

function fromRequest(value: unknown, nsp: string): Record<string, unknown> | string {
  if (!isRecord(value)) return "bad socket.io request";
  const base = { uid: EMITTER_UID, nsp };
  const opts = isRecord(value.opts)
    ? { rooms: value.opts.rooms, except: value.opts.except ?? [], flags: {} }
    : undefined;
  switch (value.type) {
    case REMOTE_JOIN:
      return { ...base, type: "sockets-join", opts, rooms: value.rooms };
    case REMOTE_LEAVE:
      return { ...base, type: "sockets-leave", opts, rooms: value.rooms };
    case REMOTE_DISCONNECT:
      return { ...base, type: "disconnect-sockets", opts, close: value.close === true };
    case SERVER_SIDE_EMIT:
      return { ...base, type: "server-side-emit", packet: value.data };
    default:
      // Requests between socket.io servers (fetchSockets…): a Parley server is not one.
      return `socket.io request type ${JSON.stringify(value.type)} is not an emitter's`;
  }
}

/**
 * Said once per kind without `debug`: a socket.io emitter message reached a server that does
 * not accept them (no `socketIoEmitter: true`), so it is dropped, but never silently.
 */
export function warnNotAccepted(logger: Logger, channel: Buffer): void {
  logger.warn(
    "socketio-emitter",
    `dropped a @socket.io/redis-emitter message on "${channel.toString()}": pass socketIoEmitter: true to createAdapter() on every server to accept them`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A server on sharded Pub/Sub never hears a classic PUBLISH, and socket.io's emitter (or a
 * server or emitter left on classic Pub/Sub) publishes only that way: its messages would
 * vanish without a trace. So such a server also holds one classic subscription to its
 * namespace channel, on which nothing of its own cluster travels, and says (once per kind)
 * what it heard there.
 */
export function classicSentinel(logger: Logger): (raw: Buffer, channel: Buffer) => void {
  return (raw, channel) => {
    if (looksLikeMsgpack(raw)) {
      warnNotAccepted(logger, channel);
      return;
    }
    logger.warn(
      "pubsub-mismatch",
      `heard a classic PUBLISH on "${channel.toString()}", but this server uses sharded Pub/Sub: every server and emitter of a cluster must use the same pubsub option`,
    );
  };
}
