/**
 * Channel names. Every server of a namespace listens on the namespace channel and on its own
 * response channel; with room channels on, it also listens on one channel per local room.
 *
 *   <key>#<nsp>#            everything for the namespace (heartbeats, requests, broadcasts)
 *   <key>#<nsp>#<room>#     broadcasts aimed at exactly one room (room channels on)
 *   <key>-response#<nsp>#<uid>#   answers to the requests of server <uid>
 */

/** How rooms map to channels. Every server and emitter of a cluster must use the same mode. */
export type SubscriptionMode =
  /** One channel per namespace: every server receives every broadcast. */
  | "static"
  /** A channel per room, except rooms named like a socket id (each socket's own room). */
  | "dynamic"
  /** A channel per room, socket rooms included: one subscription per connected socket. */
  | "dynamic-private";

/** A Parley (and Socket.IO) socket id: 15 random bytes in base64url. */
const SOCKET_ID = /^[A-Za-z0-9_-]{20}$/;

export function looksLikeSocketId(room: string): boolean {
  return room.length === 20 && SOCKET_ID.test(room);
}

/**
 * Whether `room` has its own channel. Publisher and subscriber decide from the name alone,
 * so they always agree: a room that does not get a channel is reached on the namespace one.
 */
export function hasRoomChannel(mode: SubscriptionMode, room: string): boolean {
  if (mode === "static") return false;
  return mode === "dynamic-private" || !looksLikeSocketId(room);
}

export function namespaceChannel(key: string, nsp: string): string {
  return `${key}#${nsp}#`;
}

export function roomChannel(key: string, nsp: string, room: string): string {
  return `${key}#${nsp}#${room}#`;
}

export function responseChannel(key: string, nsp: string, uid: string): string {
  return `${key}-response#${nsp}#${uid}#`;
}

/** A broadcast's target, as it travels: which rooms, which excluded, whether acks come back. */
export interface BroadcastTarget {
  rooms: readonly string[];
  requestId?: string | undefined;
}

/**
 * The channel a broadcast goes to: its room's channel when it targets exactly one room that
 * has one and expects no acks (a request must reach every server, since every live server
 * is awaited), the namespace channel otherwise. Several rooms cannot use room channels: a
 * server with members in two of them would deliver twice.
 */
export function broadcastChannel(
  key: string,
  nsp: string,
  mode: SubscriptionMode,
  target: BroadcastTarget,
): string {
  const room = target.rooms.length === 1 ? target.rooms[0] : undefined;
  if (room !== undefined && target.requestId === undefined && hasRoomChannel(mode, room)) {
    return roomChannel(key, nsp, room);
  }
  return namespaceChannel(key, nsp);
}
