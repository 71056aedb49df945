import type { ChatMessage } from "../events.js";

/**
 * Where the chat keeps rooms and their recent messages. Two implementations: in process
 * memory (the default; lost on restart, private to one instance) and in Redis (shared by every
 * instance pointing at the same Redis and key prefix, survives restarts).
 *
 * Guarantees every implementation keeps (the shared suite in test/history-store.test.ts checks
 * them against both):
 * - `recent(room)` returns at most `limit` messages, oldest first, in the order `append` was
 *   called for that room (per instance; across instances, in the order Redis received them).
 * - `append` with a `dedupeKey` already seen within the dedupe window stores nothing and returns
 *   the message stored the first time, flagged `duplicate`: a client that retries after a lost
 *   acknowledgement does not post twice.
 * - `rooms()` lists the default rooms and every room created (or written to) and not
 *   forgotten since, sorted by name.
 * - `forgetRoom(room)` removes a room that is not a default room, and its history: the chat
 *   forgets rooms nobody is in, so a flood of short-lived rooms leaves nothing behind.
 * - Methods reject only when the backing store fails or after `close()`; they never throw
 *   synchronously.
 */
export interface HistoryStore {
  append(message: ChatMessage, dedupeKey?: string): Promise<AppendResult>;
  recent(room: string): Promise<ChatMessage[]>;
  addRoom(room: string): Promise<void>;
  rooms(): Promise<string[]>;
  forgetRoom(room: string): Promise<void>;
  close(): Promise<void>;
}

export interface AppendResult {
  message: ChatMessage;
  duplicate: boolean;
}

export interface HistoryOptions {
  /** Messages kept per room. */
  limit?: number;
  /** Rooms that always exist. */
  defaultRooms?: readonly string[];
  /** How long a dedupe key is remembered. */
  dedupeWindowMs?: number;
}

export const HISTORY_DEFAULTS = {
  limit: 100,
  defaultRooms: ["general", "random"],
  dedupeWindowMs: 10 * 60_000,
} as const;

/** Narrows a parsed JSON value to a ChatMessage; stored data is checked, not trusted. */
export function isChatMessage(value: unknown): value is ChatMessage {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === "string" &&
    typeof v.room === "string" &&
    typeof v.nick === "string" &&
    typeof v.text === "string" &&
    typeof v.ts === "number" &&
    typeof v.clientId === "string"
  );
}

export function parseMessage(json: string): ChatMessage | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return isChatMessage(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
