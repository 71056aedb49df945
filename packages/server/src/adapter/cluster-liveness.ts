/** Why another server stopped counting as alive. */
export type NodeDownReason = "heartbeat timeout" | "adapter closed";

/**
 * Which other servers of a cluster are alive, from the messages heard from them.
 *
 * Guarantees: a server is alive from its first message until `timeoutMs` pass without another
 * one (or until it says it closes); it is then declared dead by one timer set for the
 * deadline of the server heard from least recently, not at the next tick of a periodic sweep,
 * so a killed server is declared dead `timeoutMs` (plus timer lateness) after its last
 * message. The check runs after the event loop has read pending I/O (`setImmediate`), so a
 * heartbeat already received but not yet processed when this process was busy does not
 * count as silence. A server heard again after being declared dead is alive again
 * (`onUp` once more).
 */
export class NodeLiveness {
  readonly #timeoutMs: number;
  readonly #onUp: (uid: string) => void;
  readonly #onDown: (uid: string, reason: NodeDownReason) => void;
  /** Uid → when last heard; kept in last-heard order (re-inserted on every message). */
  readonly #seen = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    timeoutMs: number,
    onUp: (uid: string) => void,
    onDown: (uid: string, reason: NodeDownReason) => void,
  ) {
    this.#timeoutMs = timeoutMs;
    this.#onUp = onUp;
    this.#onDown = onDown;
  }

  /** Servers alive now. */
  get size(): number {
    return this.#seen.size;
  }

  has(uid: string): boolean {
    return this.#seen.has(uid);
  }

  uids(): IterableIterator<string> {
    return this.#seen.keys();
  }

  /** Milliseconds since `uid` was last heard, or undefined when it is not alive. */
  silentFor(uid: string): number | undefined {
    const seen = this.#seen.get(uid);
    return seen === undefined ? undefined : performance.now() - seen;
  }

  /** A message from `uid` arrived: it is alive. */
  heard(uid: string): void {
    if (this.#closed) return;
    const known = this.#seen.delete(uid);
    this.#seen.set(uid, performance.now());
    if (!known) this.#onUp(uid);
    this.#schedule();
  }

  /** `uid` said it is leaving, or was otherwise known gone: dead now. */
  gone(uid: string, reason: NodeDownReason): void {
    if (this.#seen.delete(uid)) this.#onDown(uid, reason);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#seen.clear();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const oldest = this.#seen.values().next();
    if (oldest.done === true) return;
    const delay = Math.max(0, oldest.value + this.#timeoutMs - performance.now());
    this.#timer = setTimeout(() => setImmediate(() => this.#expire()), delay);
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const now = performance.now();
    for (const [uid, seen] of this.#seen) {
      // Last-heard order: the first one still fresh ends the walk.
      if (now - seen < this.#timeoutMs) break;
      this.gone(uid, "heartbeat timeout");
    }
    this.#schedule();
  }
}
