import type { ChatIo } from "./types.js";

/**
 * Who is online where. Presence is read from the sockets themselves (`fetchSockets()`, which a
 * cluster adapter answers for every instance), not from a separate registry that could drift
 * from reality when an instance dies. Nicknames are de-duplicated: two tabs are one person.
 */
export async function roomMembers(io: ChatIo, room: string): Promise<string[]> {
  const sockets = await io.in(room).fetchSockets();
  return distinctSorted(sockets.map((s) => s.data.nick));
}

/** Distinct people per room, for the room list. One fetch for all rooms, not one per room. */
export async function onlineByRoom(io: ChatIo): Promise<Map<string, number>> {
  const people = new Map<string, Set<string>>();
  for (const socket of await io.fetchSockets()) {
    for (const room of socket.rooms) {
      if (room === socket.id) continue;
      let set = people.get(room);
      if (set === undefined) {
        set = new Set();
        people.set(room, set);
      }
      set.add(socket.data.nick);
    }
  }
  const counts = new Map<string, number>();
  for (const [room, set] of people) counts.set(room, set.size);
  return counts;
}

/** Tells everyone in `room` its current member list. */
export async function announcePresence(io: ChatIo, room: string): Promise<void> {
  io.to(room).emit("presence:update", room, await roomMembers(io, room));
}

function distinctSorted(nicks: readonly string[]): string[] {
  return [...new Set(nicks)].sort((a, b) => a.localeCompare(b));
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
