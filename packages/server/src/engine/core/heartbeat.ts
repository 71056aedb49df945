/**
 * Something the wheel calls back when its deadline passes. The wheel stores its bucket key in
 * `heartbeatTick` (a plain field rather than a side table, so a scheduled session costs one
 * bucket entry and nothing else).
 */
export interface HeartbeatTarget {
  /** Owned by the wheel: the tick whose bucket holds this target, or -1. */
  heartbeatTick: number;
  onHeartbeatDue(): void;
}

/** The finest grouping of deadlines: below it, more wake-ups for no protocol benefit. */
const MIN_TICK_MS = 1;
/** The coarsest: a deadline may fire this much late, which the protocol suites notice. */
const MAX_TICK_MS = 4;

/**
 * One shared timer for every session's heartbeat deadlines.
 *
 * Per-session `setTimeout`s cost a timer object each and churn the timer heap on every pong;
 * here a deadline is an entry in the bucket of its tick (deadlines rounded *up* to a few
 * milliseconds, so sessions scheduled close together share a bucket), and one timer is armed
 * for the earliest bucket, not polled: deadlines fire when due (never early, late by at most
 * one tick plus the event loop's own delay), and the process is not woken while nothing is
 * due. A min-heap of bucket ticks finds the earliest bucket; a bucket stays in the table until
 * its time comes, so each tick is in the heap once and the heap is bounded by the longest
 * delay divided by the tick.
 *
 * Fine ticks mean many buckets holding one or two targets, so a bucket is the target itself
 * or an array, not a Set (~130 bytes each), and cancelling only clears `heartbeatTick`: the
 * stale entry is skipped when its bucket comes due.
 */
export class HeartbeatWheel {
  readonly tickMs: number;
  readonly #buckets = new Map<number, HeartbeatTarget | HeartbeatTarget[]>();
  /** Ticks of the buckets in `#buckets`, as a binary min-heap. */
  readonly #heap: number[] = [];
  readonly #origin = performance.now();
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The tick the timer is armed for (meaningful while `#timer` is set). */
  #armedTick = 0;
  #size = 0;

  constructor(tickMs: number) {
    this.tickMs = Math.max(MIN_TICK_MS, Math.floor(tickMs));
  }

  /** A grouping fine enough for these intervals: 1/20 of the shortest, within [1ms, 4ms]. */
  static tickFor(...intervalsMs: number[]): number {
    const shortest = Math.min(...intervalsMs);
    return Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, Math.floor(shortest / 20)));
  }

  /** Targets scheduled. */
  get size(): number {
    return this.#size;
  }

  /** (Re)schedules `target` to be called back after at least `delayMs`. */
  schedule(target: HeartbeatTarget, delayMs: number): void {
    this.cancel(target);
    // Rounded up: a bucket's time is never before any of its deadlines.
    const tick = Math.ceil((performance.now() - this.#origin + delayMs) / this.tickMs);
    const bucket = this.#buckets.get(tick);
    if (bucket === undefined) {
      this.#buckets.set(tick, target);
      heapPush(this.#heap, tick);
    } else if (Array.isArray(bucket)) {
      bucket.push(target);
    } else {
      this.#buckets.set(tick, [bucket, target]);
    }
    target.heartbeatTick = tick;
    this.#size++;
    if (this.#timer === null || tick < this.#armedTick) this.#arm();
  }

  cancel(target: HeartbeatTarget): void {
    if (target.heartbeatTick === -1) return;
    // Its entry stays in the bucket until then, and is skipped: see the class comment.
    target.heartbeatTick = -1;
    this.#size--;
  }

  /** Milliseconds until `target` is called back (at most one tick early), or -1 if unscheduled. */
  dueIn(target: HeartbeatTarget): number {
    const tick = target.heartbeatTick;
    if (tick === -1) return -1;
    return Math.max(0, tick * this.tickMs - (performance.now() - this.#origin));
  }

  /** Stops the timer and forgets every target. */
  clear(): void {
    for (const [tick, bucket] of this.#buckets) {
      for (const target of Array.isArray(bucket) ? bucket : [bucket]) {
        if (target.heartbeatTick === tick) target.heartbeatTick = -1;
      }
    }
    this.#buckets.clear();
    this.#heap.length = 0;
    this.#size = 0;
    this.#disarm();
  }

  /** Arms the one timer for the earliest bucket (or stops it when there is none). */
  #arm(): void {
    this.#disarm();
    const tick = this.#heap[0];
    if (tick === undefined) return;
    const wait = tick * this.tickMs - (performance.now() - this.#origin);
    this.#armedTick = tick;
    // Node's timers count whole milliseconds and may run a fraction early: `advance` re-arms.
    this.#timer = setTimeout(runWheel, Math.max(0, Math.ceil(wait)), this);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** @internal called by the shared timer: runs every bucket that came due, oldest first. */
  advance(): void {
    this.#timer = null;
    const heap = this.#heap;
    const now = (performance.now() - this.#origin) / this.tickMs;
    for (let tick = heap[0]; tick !== undefined && tick <= now; tick = heap[0]) {
      heapPop(heap);
      const bucket = this.#buckets.get(tick);
      if (bucket === undefined) continue;
      this.#buckets.delete(tick);
      if (Array.isArray(bucket)) {
        for (const target of bucket) this.#fire(target, tick);
      } else {
        this.#fire(bucket, tick);
      }
    }
    // Callbacks may have armed the timer for a bucket this loop then ran: arm it afresh.
    this.#arm();
  }

  #fire(target: HeartbeatTarget, tick: number): void {
    // Cancelled, or rescheduled to another bucket (perhaps by an earlier callback).
    if (target.heartbeatTick !== tick) return;
    target.heartbeatTick = -1;
    this.#size--;
    try {
      target.onHeartbeatDue();
    } catch {
      // A target's failure must not stop the others' heartbeats; targets report their own.
    }
  }
}

function runWheel(wheel: HeartbeatWheel): void {
  wheel.advance();
}

function heapPush(heap: number[], value: number): void {
  let i = heap.length;
  heap.push(value);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent] as number;
    if (p <= value) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = value;
}

function heapPop(heap: number[]): void {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) return;
  const n = heap.length;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    const right = child + 1;
    if (right < n && (heap[right] as number) < (heap[child] as number)) child = right;
    const c = heap[child] as number;
    if (c >= last) break;
    heap[i] = c;
    i = child;
  }
  heap[i] = last;
}
