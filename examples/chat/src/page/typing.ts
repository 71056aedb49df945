import type { PageSocket } from "./socket.js";

/** How long a "typing" notice lasts without a refresh: covers a lost "stopped" notice. */
const SHOW_MS = 6_000;
/** How often to tell the server we are still typing. */
const REFRESH_MS = 2_000;
/** Silence after which we say we stopped. */
const IDLE_MS = 3_000;

/** Who else is typing, per room; and our own typing notices, throttled. */
export class TypingTracker {
  readonly #socket: PageSocket;
  readonly #others = new Map<string, Map<string, number>>();
  #sentAt = 0;
  #sentRoom: string | undefined;
  #idle: ReturnType<typeof setTimeout> | undefined;

  constructor(socket: PageSocket) {
    this.#socket = socket;
  }

  /** The user pressed a key in `room`. */
  typed(room: string): void {
    const now = Date.now();
    if (this.#sentRoom !== room || now - this.#sentAt > REFRESH_MS) {
      if (this.#sentRoom !== undefined && this.#sentRoom !== room) this.stopped();
      // Not volatile: a volatile packet is dropped while the transport is busy (an upgrade in
      // progress, say), and a lost "typing" would not be re-sent until the next refresh.
      this.#socket.emit("typing", room, true);
      this.#sentAt = now;
      this.#sentRoom = room;
    }
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.stopped(), IDLE_MS);
  }

  /** The user sent the message, cleared the box or went quiet. */
  stopped(): void {
    clearTimeout(this.#idle);
    if (this.#sentRoom === undefined) return;
    if (this.#socket.connected) this.#socket.emit("typing", this.#sentRoom, false);
    this.#sentRoom = undefined;
    this.#sentAt = 0;
  }

  update(room: string, nick: string, typing: boolean): void {
    let people = this.#others.get(room);
    if (people === undefined) {
      people = new Map();
      this.#others.set(room, people);
    }
    if (typing) people.set(nick, Date.now() + SHOW_MS);
    else people.delete(nick);
  }

  forgetRoom(room: string): void {
    this.#others.delete(room);
  }

  /** The line to show under the room's messages, or "" when nobody is typing. */
  describe(room: string): string {
    const people = this.#others.get(room);
    if (people === undefined) return "";
    const now = Date.now();
    const names: string[] = [];
    for (const [nick, until] of people) {
      if (until > now) names.push(nick);
      else people.delete(nick);
    }
    if (names.length === 0) return "";
    if (names.length === 1) return `${names[0]} is typing…`;
    if (names.length <= 3)
      return `${names.slice(0, -1).join(", ")} and ${names.at(-1)} are typing…`;
    return "Several people are typing…";
  }
}
