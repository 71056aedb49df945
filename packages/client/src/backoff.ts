export interface BackoffOptions {
  /** First delay, in ms. */
  min: number;
  /** Longest delay, in ms. */
  max: number;
  /** 0..1: how far each delay may randomly move up or down. */
  jitter: number;
}

/**
 * Exponential backoff with jitter: the n-th delay is `min * 2^n`, capped at `max`, then moved
 * by up to `±jitter` of itself so that many clients cut off together do not all come back in
 * the same instant.
 */
export class Backoff {
  attempts = 0;
  opts: BackoffOptions;

  constructor(opts: BackoffOptions) {
    this.opts = opts;
  }

  /** The delay before the next attempt; counts the attempt. */
  duration(): number {
    const { min, max, jitter } = this.opts;
    // 2^attempts grows past any sane max quickly; cap the exponent to stay finite.
    let ms = Math.min(min * 2 ** Math.min(this.attempts++, 52), max);
    if (jitter > 0) ms += (Math.random() * 2 - 1) * jitter * ms;
    return Math.max(0, Math.min(Math.floor(ms), max));
  }

  reset(): void {
    this.attempts = 0;
  }
}
