import type { Presence } from "@parley/server";
import type { ChatIo, ChatSocket } from "./types.js";

/** Who is online where: Parley's presence, one identity per nickname (two tabs are one person). */
export type ChatPresence = Presence<ChatSocket>;

/**
 * Tracks presence on the chat's namespace with `trackPresence`: every instance keeps the
 * cluster's member lists (kept by the adapter; an instance that dies has its people leave
 * within the adapter's liveness timeout). When someone appears in or leaves a room anywhere,
 * each instance tells its own sockets in that room (`local`: the other instances do the
 * same for theirs, so nobody gets it twice) and `onChange` runs (the room list's counts).
 */
export function trackChatPresence(io: ChatIo, onChange: (room: string) => void): ChatPresence {
  const presence = io.of("/").trackPresence({ identify: (socket) => socket.data.nick });
  const announce = ({ room }: { room: string }) => {
    io.local.to(room).emit("presence:update", room, roomMembers(presence, room));
    onChange(room);
  };
  presence.on("join", announce);
  presence.on("leave", announce);
  return presence;
}

/** The nicknames in `room`, sorted. */
export function roomMembers(presence: ChatPresence, room: string): string[] {
  return presence
    .members(room)
    .map((m) => m.id)
    .sort((a, b) => a.localeCompare(b));
}

/** Distinct people per room, for the room list. */
export function onlineByRoom(presence: ChatPresence): Map<string, number> {
  const counts = new Map<string, number>();
  for (const room of presence.rooms()) counts.set(room, presence.members(room).length);
  return counts;
}

/**
 * Coalesces bursts of "something changed" into one call after `delayMs`: a dozen people
 * joining at once cost one room-list broadcast, not a dozen.
 */
export class Debounced {
  readonly #run: () => Promise<void>;
  readonly #delayMs: number;
  readonly #onError: (err: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(run: () => Promise<void>, delayMs: number, onError: (err: unknown) => void) {
    this.#run = run;
    this.#delayMs = delayMs;
    this.#onError = onError;
  }

  schedule(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#run().catch(this.#onError);
    }, this.#delayMs);
    this.#timer.unref?.();
  }

  /** Cancels a pending run and ignores later requests: for shutdown. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
