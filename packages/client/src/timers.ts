/**
 * The timers of one connection: its heartbeat, connect timeout, reconnection delay, close
 * bound and ack timeouts all go through one `Timers`, so that `useNativeTimers` and (Node)
 * `autoUnref` apply to every one of them.
 */

export type TimerHandle = ReturnType<typeof setTimeout>;

export interface Timers {
  set(fn: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle | undefined): void;
}

// The functions found when this module loaded: a fake-timer library (sinon, Jest, Vitest)
// installed later replaces the globals, not these.
const nativeSet = setTimeout;
const nativeClear = clearTimeout;

/**
 * `useNativeTimers: true` keeps the client on the real clock when a test installs fake
 * timers; otherwise the globals are looked up at each call, so fake timers drive the client as
 * socket.io-client's do.
 */
export function createTimers(opts: { useNativeTimers?: boolean }): Timers {
  const native = opts.useNativeTimers;
  return {
    set: (fn, ms) => (native ? nativeSet : setTimeout)(fn, ms),
    clear: (handle) => (native ? nativeClear : clearTimeout)(handle),
  };
}
