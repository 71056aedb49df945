import type { ChatError, Result } from "./events.js";
import type { HistoryStore } from "./history/store.js";
import type { ChatPresence, Debounced } from "./presence.js";
import type { RateLimiter } from "./rate-limit.js";
import type { RoomDirectory } from "./room-directory.js";
import type { ChatIo, ChatSocket } from "./types.js";
import { isCallback } from "./validation.js";

/** What the per-concept handlers (rooms, messages, typing) share. */
export interface ChatContext {
  io: ChatIo;
  store: HistoryStore;
  messageLimiter: RateLimiter;
  typingLimiter: RateLimiter;
  /** Who is in which room, cluster-wide. */
  presence: ChatPresence;
  /** The room list (rooms with people in them, and the default ones). */
  rooms: RoomDirectory;
  /** Coalesces room changes into one update of `rooms` (and one `room:delta`). */
  roomUpdates: Debounced;
  log: (line: string) => void;
}

export type Ack<T> = (res: Result<T>) => void;

export function failure(error: ChatError): { ok: false; error: ChatError } {
  return { ok: false, error };
}

/**
 * Registers a request handler that answers through an acknowledgement. The network decides
 * what arrives, so the ack is checked (a request without one is ignored: nobody would see
 * the answer), and any failure inside becomes an INTERNAL error for the caller and a log line
 * here, never an unhandled rejection.
 */
export function handleRequest<T>(
  ctx: ChatContext,
  socket: ChatSocket,
  event: string,
  args: readonly unknown[],
  run: (args: readonly unknown[]) => Promise<Result<T>>,
): void {
  const ack = args.at(-1);
  if (!isCallback(ack)) return;
  const reply = ack as Ack<T>;
  run(args.slice(0, -1)).then(reply, (err: unknown) => {
    ctx.log(`${event} from ${socket.data.nick} failed: ${describe(err)}`);
    reply(failure({ code: "INTERNAL", message: "Something went wrong on the server. Try again." }));
  });
}

export function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** The rooms a socket has joined, without its private own-id room. */
export function joinedRooms(socket: ChatSocket): string[] {
  return [...socket.rooms].filter((room) => room !== socket.id);
}
