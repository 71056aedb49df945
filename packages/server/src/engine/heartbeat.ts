/**
 * Something the wheel calls back when its deadline passes. The wheel stores its bucket key in
 * `heartbeatTick` (a plain field rather than a side table, so a scheduled session costs one
 * Set entry and nothing else).
 */
export interface HeartbeatTarget {
  /** Owned by the wheel: the tick whose bucket holds this target, or -1. */
  heartbeatTick: number;
  onHeartbeatDue(): void;
}

/**
 * One shared timer for every session's heartbeat deadlines (a bucketed timer wheel).
 *
 * Per-session `setTimeout`s cost a timer object each and churn the timer heap on every pong;
 * here a deadline is a Set insertion into the bucket of its tick, rescheduling is a delete and
 * an insert, and a single interval walks the buckets that came due. Deadlines fire up to one
 * tick late, never early. The interval is unref'd and stops while nothing is scheduled.
 */
export class HeartbeatWheel {
  readonly tickMs: number;
  readonly #buckets = new Map<number, Set<HeartbeatTarget>>();
  readonly #origin = performance.now();
  #lastTick: number;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(tickMs: number) {
    this.tickMs = Math.max(1, Math.floor(tickMs));
    this.#lastTick = 0;
  }

  /** A resolution fine enough for these intervals: 1/20 of the shortest, within [5ms, 1s]. */
  static tickFor(...intervalsMs: number[]): number {
    const shortest = Math.min(...intervalsMs);
    return Math.min(1000, Math.max(5, Math.floor(shortest / 20)));
  }

  get size(): number {
    let n = 0;
    for (const bucket of this.#buckets.values()) n += bucket.size;
    return n;
  }

  /** (Re)schedules `target` to be called back after at least `delayMs`. */
  schedule(target: HeartbeatTarget, delayMs: number): void {
    this.cancel(target);
    // +1: the current tick is partly elapsed, so rounding up alone could fire early.
    const tick = this.#now() + Math.ceil(delayMs / this.tickMs) + 1;
    let bucket = this.#buckets.get(tick);
    if (bucket === undefined) {
      bucket = new Set();
      this.#buckets.set(tick, bucket);
    }
    bucket.add(target);
    target.heartbeatTick = tick;
    if (this.#timer === null) this.#start();
  }

  cancel(target: HeartbeatTarget): void {
    const tick = target.heartbeatTick;
    if (tick === -1) return;
    target.heartbeatTick = -1;
    const bucket = this.#buckets.get(tick);
    if (bucket === undefined) return;
    bucket.delete(target);
    if (bucket.size === 0) this.#buckets.delete(tick);
  }

  /** Stops the timer and forgets every target. */
  clear(): void {
    for (const bucket of this.#buckets.values()) {
      for (const target of bucket) target.heartbeatTick = -1;
    }
    this.#buckets.clear();
    this.#stop();
  }

  #now(): number {
    return Math.floor((performance.now() - this.#origin) / this.tickMs);
  }

  #start(): void {
    this.#lastTick = Math.max(this.#lastTick, this.#now());
    this.#timer = setInterval(runWheel, this.tickMs, this);
    this.#timer.unref();
  }

  #stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** @internal called by the shared interval. */
  advance(): void {
    const now = this.#now();
    // Walk every tick since the last run, so a late timer (busy event loop) still fires all.
    for (let tick = this.#lastTick + 1; tick <= now; tick++) {
      const bucket = this.#buckets.get(tick);
      if (bucket === undefined) continue;
      this.#buckets.delete(tick);
      for (const target of bucket) {
        if (target.heartbeatTick !== tick) continue;
        target.heartbeatTick = -1;
        try {
          target.onHeartbeatDue();
        } catch {
          // A target's failure must not stop the others' heartbeats; targets report their own.
        }
      }
    }
    this.#lastTick = now;
    if (this.#buckets.size === 0) this.#stop();
  }
}

function runWheel(wheel: HeartbeatWheel): void {
  wheel.advance();
}
