import type { AnyListener } from "./socket-types.js";
import { type ErrorSink, invokeGuarded } from "./typed-emitter.js";

/**
 * A socket's `onAny` or `onAnyOutgoing` listeners. A socket makes one only when the first
 * listener is added (most sockets never have any) and drops it when the last one leaves, so
 * "no listeners" stays a single `undefined` check on the hot paths.
 */
export class CatchAllListeners {
  readonly #listeners: AnyListener[] = [];

  /** Adds `listener` to a list, creating the list if there is none yet. */
  static add(
    list: CatchAllListeners | undefined,
    listener: AnyListener,
    prepend: boolean,
  ): CatchAllListeners {
    const target = list ?? new CatchAllListeners();
    if (prepend) target.#listeners.unshift(listener);
    else target.#listeners.push(listener);
    return target;
  }

  /**
   * Removes one listener, or every listener when none is named (socket.io's `offAny()`);
   * `undefined` once the list is empty.
   */
  static remove(
    list: CatchAllListeners | undefined,
    listener: AnyListener | undefined,
  ): CatchAllListeners | undefined {
    if (list === undefined || listener === undefined) return undefined;
    const i = list.#listeners.indexOf(listener);
    if (i !== -1) list.#listeners.splice(i, 1);
    return list.#listeners.length === 0 ? undefined : list;
  }

  static snapshot(list: CatchAllListeners | undefined): AnyListener[] {
    return list === undefined ? [] : list.#listeners.slice();
  }

  /**
   * Calls each listener with `args` (the event name first). A copy is walked, so a listener
   * that adds or removes listeners changes the next call, not this one; a listener's
   * exception goes to `sink` as `event` and the others still run.
   */
  notify(thisArg: unknown, args: readonly unknown[], event: string, sink: ErrorSink): void {
    for (const listener of this.#listeners.slice())
      invokeGuarded(thisArg, listener, args, event, sink);
  }
}
