import type { ChatMessage } from "../events.js";
import {
  type AppendResult,
  HISTORY_DEFAULTS,
  type HistoryOptions,
  type HistoryStore,
} from "./store.js";

/** Enough to remember every retry of a busy single instance, bounded so memory is too. */
const MAX_DEDUPE_KEYS = 10_000;

/** Rooms and history in process memory: the single-instance default. */
export class MemoryHistoryStore implements HistoryStore {
  readonly #limit: number;
  readonly #dedupeWindowMs: number;
  readonly #messages = new Map<string, ChatMessage[]>();
  readonly #rooms = new Set<string>();
  readonly #defaultRooms: ReadonlySet<string>;
  // Insertion-ordered, so the oldest key is the first one: eviction is O(1).
  readonly #seen = new Map<string, { message: ChatMessage; at: number }>();
  readonly #now: () => number;

  constructor(options: HistoryOptions & { now?: () => number } = {}) {
    this.#limit = options.limit ?? HISTORY_DEFAULTS.limit;
    this.#dedupeWindowMs = options.dedupeWindowMs ?? HISTORY_DEFAULTS.dedupeWindowMs;
    this.#now = options.now ?? Date.now;
    this.#defaultRooms = new Set(options.defaultRooms ?? HISTORY_DEFAULTS.defaultRooms);
    for (const room of this.#defaultRooms) this.#rooms.add(room);
  }

  async append(message: ChatMessage, dedupeKey?: string): Promise<AppendResult> {
    const now = this.#now();
    if (dedupeKey !== undefined) {
      const seen = this.#seen.get(dedupeKey);
      if (seen !== undefined && now - seen.at < this.#dedupeWindowMs) {
        return { message: seen.message, duplicate: true };
      }
      this.#seen.delete(dedupeKey);
      this.#seen.set(dedupeKey, { message, at: now });
      if (this.#seen.size > MAX_DEDUPE_KEYS) {
        const oldest = this.#seen.keys().next();
        if (oldest.done !== true) this.#seen.delete(oldest.value);
      }
    }
    this.#rooms.add(message.room);
    let list = this.#messages.get(message.room);
    if (list === undefined) {
      list = [];
      this.#messages.set(message.room, list);
    }
    list.push(message);
    // Trim in batches rather than shifting on every append: amortised O(1).
    if (list.length > this.#limit * 2) list.splice(0, list.length - this.#limit);
    return { message, duplicate: false };
  }

  async recent(room: string): Promise<ChatMessage[]> {
    const list = this.#messages.get(room) ?? [];
    return list.slice(-this.#limit);
  }

  async addRoom(room: string): Promise<void> {
    this.#rooms.add(room);
  }

  async rooms(): Promise<string[]> {
    return [...this.#rooms].sort();
  }

  async forgetRoom(room: string): Promise<void> {
    if (this.#defaultRooms.has(room)) return;
    this.#rooms.delete(room);
    this.#messages.delete(room);
  }

  async close(): Promise<void> {
    this.#messages.clear();
    this.#seen.clear();
  }
}
