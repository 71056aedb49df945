import type { ChatError } from "../events.js";
import type { PageSocket } from "./socket.js";

export type OutboxStatus = "queued" | "sending" | "delivered" | "failed";

export interface OutboxEntry {
  clientId: string;
  room: string;
  text: string;
  status: OutboxStatus;
  /** Set once the server has acknowledged. */
  id?: string;
  ts?: number;
  error?: ChatError;
}

export interface OutboxOptions {
  /** How long to wait for the server's acknowledgement before trying again. */
  ackTimeoutMs?: number;
  onChange: (entry: OutboxEntry) => void;
  onError: (entry: OutboxEntry, error: ChatError) => void;
}

/**
 * Messages the user wrote that the server has not yet acknowledged. Each is sent with an
 * acknowledgement; until that ack arrives it stays here, and it is sent again on every
 * (re)connection. Messages typed while offline wait as "queued". Retries are safe because the
 * server drops a second copy with the same clientId (at-least-once delivery, exactly-once
 * effect). Order is kept: entries are sent in the order they were written.
 */
export class Outbox {
  readonly #socket: PageSocket;
  readonly #ackTimeoutMs: number;
  readonly #onChange: (entry: OutboxEntry) => void;
  readonly #onError: (entry: OutboxEntry, error: ChatError) => void;
  readonly #pending: OutboxEntry[] = [];
  /** Which send attempt is current, so a late answer to an abandoned attempt is ignored. */
  readonly #attempts = new WeakMap<OutboxEntry, number>();
  #paused = true;

  constructor(socket: PageSocket, options: OutboxOptions) {
    this.#socket = socket;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 8_000;
    this.#onChange = options.onChange;
    this.#onError = options.onError;
    // Anything in flight when the connection drops is retried after the next connection.
    socket.on("disconnect", () => {
      this.#paused = true;
      for (const entry of this.#pending) {
        if (entry.status === "sending") this.#update(entry, "queued");
      }
    });
  }

  /** Entries still waiting for a room (to show them after the room's history is reloaded). */
  pendingFor(room: string): OutboxEntry[] {
    return this.#pending.filter((entry) => entry.room === room);
  }

  add(entry: Omit<OutboxEntry, "status">): OutboxEntry {
    const queued: OutboxEntry = { ...entry, status: "queued" };
    this.#pending.push(queued);
    this.#onChange(queued);
    this.flush();
    return queued;
  }

  /** Called once the rooms are re-joined after a (re)connection. */
  resume(): void {
    this.#paused = false;
    this.flush();
  }

  /** Sends a failed entry again (the user clicked it). */
  retry(clientId: string): void {
    const entry = this.#pending.find((e) => e.clientId === clientId);
    if (entry === undefined || entry.status !== "failed") return;
    this.#update(entry, "queued");
    this.flush();
  }

  /** Drops entries for a room the user left: they can no longer be delivered there. */
  dropRoom(room: string): void {
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      if (this.#pending[i]?.room === room) this.#pending.splice(i, 1);
    }
  }

  flush(): void {
    if (this.#paused || !this.#socket.connected) return;
    for (const entry of this.#pending) {
      if (entry.status === "queued") this.#send(entry);
    }
  }

  #send(entry: OutboxEntry): void {
    this.#update(entry, "sending");
    const attempt = (this.#attempts.get(entry) ?? 0) + 1;
    this.#attempts.set(entry, attempt);
    const payload = { room: entry.room, text: entry.text, clientId: entry.clientId };
    this.#socket.timeout(this.#ackTimeoutMs).emit("message:send", payload, (err, res) => {
      if (entry.status !== "sending" || this.#attempts.get(entry) !== attempt) return;
      if (err !== null) {
        // No answer in time: keep it and try again (now if still connected, else on connect).
        this.#update(entry, "queued");
        setTimeout(() => this.flush(), 1_000);
        return;
      }
      if (res.ok) {
        entry.id = res.value.id;
        entry.ts = res.value.ts;
        this.#remove(entry);
        this.#update(entry, "delivered");
      } else {
        const error = res.ok === false ? res.error : slowDown(res.error.retryAfterMs);
        entry.error = error;
        this.#update(entry, "failed");
        this.#onError(entry, error);
      }
    });
  }

  #remove(entry: OutboxEntry): void {
    const index = this.#pending.indexOf(entry);
    if (index >= 0) this.#pending.splice(index, 1);
  }

  #update(entry: OutboxEntry, status: OutboxStatus): void {
    if (entry.status === status) return;
    entry.status = status;
    if (status !== "failed") delete entry.error;
    this.#onChange(entry);
  }
}

/** The server's rate limit refused a message: say so in words, with when to try again. */
function slowDown(retryAfterMs: number): ChatError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return {
    code: "RATE_LIMITED",
    message: `Slow down: you are sending too fast. Try again in ${seconds} s.`,
    retryAfterMs,
  };
}
