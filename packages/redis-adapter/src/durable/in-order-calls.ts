/**
 * What a script reply says when a call came before its predecessor was stored (see
 * `appendScript`): the call is sent again once the predecessor has its outcome.
 */
export const OUT_OF_ORDER = "OUTOFORDER";

/** How a call is sent: its number in this writer's sequence, and how to send it. */
export interface CallAttempt {
  readonly seq: number;
  /**
   * Nothing earlier is unsettled (or this is a retry made after it settled): the script
   * takes `seq` whatever it last stored, instead of requiring `seq - 1`.
   */
  readonly resync: boolean;
  /** Send the script's source (EVAL), not its digest: a retry after NOSCRIPT, or any retry. */
  readonly load: boolean;
}

/**
 * Keeps one writer's script calls stored in the order they were made although some must be
 * sent again.
 *
 * Calls are pipelined on one connection, and Redis runs them in that order. But a restarted
 * or flushed Redis answers the first EVALSHAs with NOSCRIPT, and the script can come back
 * (another server's EVAL, or this one's retry) before a later call of ours runs: that later
 * call is stored, the earlier one's retry after it. So each call carries a consecutive
 * number and the script refuses (`OUTOFORDER`, before writing anything) a number that does
 * not follow the last one it stored for this writer; a refused or NOSCRIPT call waits until
 * its predecessor is decided (stored, failed for good, or itself sent again), then goes again
 * as EVAL with `resync` (which cannot be refused). Retries thus run in call order, pipelined
 * like the first attempts, and nothing overtakes a call that failed.
 *
 * A call sent when nothing earlier is unsettled goes with `resync` at once: there is nothing
 * it could overtake, and so a lost reply or an expired counter never blocks a writer.
 * The check costs the script a GET and a SET; the retry path runs only after a cache loss.
 */
export class InOrderCalls {
  #seq = 0;
  #unsettled = 0;
  /**
   * Settles when the latest call made so far is decided: stored, failed for good, or sent
   * again (a retry cannot be refused, and the connection runs it before anything sent
   * after it, so a successor's retry need not wait for its reply).
   */
  #latest: Promise<void> = Promise.resolve();

  async call<T>(send: (attempt: CallAttempt) => Promise<T>): Promise<T> {
    const seq = ++this.#seq;
    const predecessor = this.#latest;
    let decided: () => void = () => {};
    this.#latest = new Promise<void>((resolve) => {
      decided = resolve;
    });
    const first: CallAttempt = { seq, resync: this.#unsettled === 0, load: false };
    this.#unsettled++;
    try {
      try {
        return await send(first);
      } catch (err) {
        if (!isResendable(err)) throw err;
      }
      await predecessor;
      const retry = send({ seq, resync: true, load: true });
      decided();
      return await retry;
    } finally {
      this.#unsettled--;
      decided();
    }
  }
}

function isResendable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.message.startsWith("NOSCRIPT") || err.message.startsWith(OUT_OF_ORDER);
}
