// Waiting in tests: bounds that name what did not happen (safety nets, never measurements).

/** A `setTimeout` as a promise. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a failure naming `what` after `ms` (sooner and clearer than a test timeout). */
export function within<T>(promise: Promise<T>, what: string, ms = 8000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Polls `predicate` until it holds; fails after `ms`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what = "condition",
  ms = 10_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await predicate()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Listenable {
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
}

/** Resolves with the arguments of the next `event`. */
export function next<T extends unknown[] = unknown[]>(
  emitter: Pick<Listenable, "once">,
  event: string,
): Promise<T> {
  return new Promise((resolve) => emitter.once(event, ((...args: T) => resolve(args)) as never));
}

/** Every `event` the emitter gives from now on, as argument lists. */
export function collect(emitter: Pick<Listenable, "on">, event: string): unknown[][] {
  const got: unknown[][] = [];
  emitter.on(event, ((...args: unknown[]) => got.push(args)) as never);
  return got;
}

/**
 * Runs `op` on the client's server through the test apps' `"do"` event (an ack with
 * `{ ok }` or `{ error }`); rejects with the app's error.
 */
export async function call<T = unknown>(
  socket: { emit(event: string, ...args: unknown[]): unknown },
  op: string,
  arg: Record<string, unknown> = {},
  ms = 8000,
): Promise<T> {
  const answer = await within(
    new Promise<{ ok?: T; error?: string }>((resolve) => socket.emit("do", op, arg, resolve)),
    `op ${op}`,
    ms,
  );
  if (answer.error !== undefined) throw new Error(answer.error);
  return answer.ok as T;
}
