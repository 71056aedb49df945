import type { Room } from "../adapter/adapter.js";

/**
 * The event name presence messages travel under between servers (`serverSideEmit`). Users
 * may not emit it themselves (see `NAMESPACE_RESERVED_EVENTS`).
 */
export const PRESENCE_EVENT = "parley:presence";

/** One identity in one room, as servers tell each other: its id and the app's info. */
export type WireMember = [id: string, info: unknown];

/**
 * What one server tells the others. Each server speaks only of its own sockets, and its
 * messages arrive in the order it sent them (the adapter's per-sender order), so a receiver
 * keeps, per server, exactly what that server last said:
 * - `join`/`leave`: an identity appeared in / disappeared from a room on the sender (its
 *   first socket there joined, its last one left; other tabs send nothing);
 * - `snapshot`: everything the sender has, replacing what the receiver kept for it. Sent when
 *   a server learns of another (so a new server learns the cluster's state) and when presence
 *   starts on a server (`ask`: then every receiver answers with its own snapshot).
 */
export type PresenceMessage =
  | { t: "join" | "leave"; from: string; room: Room; id: string; info?: unknown }
  | { t: "snapshot"; from: string; rooms: [Room, WireMember[]][]; ask?: boolean };

/** Checks a message from another server; anything malformed is dropped by the caller. */
export function parsePresenceMessage(value: unknown): PresenceMessage | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (typeof m.from !== "string") return undefined;
  if (m.t === "join" || m.t === "leave") {
    if (typeof m.room !== "string" || typeof m.id !== "string") return undefined;
    return value as PresenceMessage;
  }
  if (m.t === "snapshot" && Array.isArray(m.rooms)) {
    for (const entry of m.rooms) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string" || !Array.isArray(entry[1])) {
        return undefined;
      }
      for (const member of entry[1]) {
        if (!Array.isArray(member) || typeof member[0] !== "string") return undefined;
      }
    }
    return value as PresenceMessage;
  }
  return undefined;
}
