import type { ExtendedError } from "./socket-types.js";

/** Continues the chain; an error stops it and reaches the client. */
export type NextFunction = (err?: ExtendedError) => void;

/** A middleware step over `T`: a socket for `io.use`, `[event, ...args]` for `socket.use`. */
export type MiddlewareFn<T> = (subject: T, next: NextFunction) => unknown;

/** Raised in place of a middleware's own exception, so internals never reach the client. */
export class MiddlewareFailedError extends Error {
  readonly code = "MIDDLEWARE_FAILED";
  constructor() {
    super("Internal server error");
    this.name = "MiddlewareFailedError";
  }
}

/**
 * Runs `fns` in order over `subject`, then calls `done()` — or `done(err)` at the first
 * step that passes an error to `next`. Hardened against misbehaving steps:
 * - `next` called twice is ignored the second time;
 * - a step that throws, or returns a rejected promise, is reported through `onThrow` and ends
 *   the chain with a generic `MiddlewareFailedError` (its message is not sent to the client);
 * - the list is copied first, so `use()` during a run affects only later runs.
 */
export function runMiddleware<T>(
  fns: readonly MiddlewareFn<T>[],
  subject: T,
  onThrow: (err: unknown) => void,
  done: (err?: ExtendedError) => void,
): void {
  if (fns.length === 0) {
    done();
    return;
  }
  const steps = fns.slice();
  let finished = false;
  const finish = (err?: ExtendedError): void => {
    if (finished) return;
    finished = true;
    done(err);
  };
  const fail = (err: unknown): void => {
    if (finished) return;
    onThrow(err);
    finish(new MiddlewareFailedError());
  };
  const step = (i: number): void => {
    const fn = steps[i];
    if (fn === undefined) {
      finish();
      return;
    }
    let called = false;
    const next: NextFunction = (err) => {
      if (called || finished) return;
      called = true;
      if (err !== undefined && err !== null) finish(toError(err));
      else step(i + 1);
    };
    try {
      const result = fn(subject, next);
      if (result instanceof Promise) result.then(undefined, fail);
    } catch (err) {
      fail(err);
    }
  };
  step(0);
}

function toError(err: unknown): ExtendedError {
  if (err instanceof Error) return err;
  return new Error(typeof err === "string" ? err : "middleware refused the connection");
}
