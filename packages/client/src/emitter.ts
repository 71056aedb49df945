/**
 * A small typed event emitter for browsers and Node: no `events` import, so nothing from Node
 * reaches the browser bundle.
 *
 * Listener exceptions are reported (`reportError` where the runtime has it, else rethrown on a
 * fresh task) instead of thrown into the caller: the connection state machines emit events in
 * the middle of their work, and a throwing user listener must not leave them half-updated.
 * Like DOM events, the other listeners still run.
 */
// biome-ignore lint/suspicious/noExplicitAny: listeners of the untyped default map take any arguments
export type AnyListener = (...args: any[]) => unknown;

/** A map from event name to listener signature, as in `@parley/protocol`'s `EventsMap`. */
export interface ListenerMap {
  [event: string]: AnyListener;
}

/** Any interface whose members are all listeners (no index signature needed). */
export type EventMapOf<T> = { [K in keyof T]: AnyListener };

export function report(err: unknown): void {
  const g = globalThis as { reportError?: (err: unknown) => void };
  if (typeof g.reportError === "function") g.reportError(err);
  else
    setTimeout(() => {
      throw err;
    });
}

export class Emitter<Events extends EventMapOf<Events>> {
  #listeners = new Map<string, AnyListener[]>();

  on<Ev extends keyof Events & string>(event: Ev, listener: Events[Ev]): this {
    const list = this.#listeners.get(event);
    if (list) list.push(listener);
    else this.#listeners.set(event, [listener]);
    return this;
  }

  once<Ev extends keyof Events & string>(event: Ev, listener: Events[Ev]): this {
    const wrapper = (...args: unknown[]) => {
      this.off(event, wrapper as Events[Ev]);
      return listener(...args);
    };
    (wrapper as { fn?: AnyListener }).fn = listener;
    return this.on(event, wrapper as Events[Ev]);
  }

  /** Removes one listener, every listener of `event`, or (no arguments) every listener. */
  off<Ev extends keyof Events & string>(event?: Ev, listener?: Events[Ev]): this {
    if (event === undefined) {
      this.#listeners.clear();
      return this;
    }
    const list = this.#listeners.get(event);
    if (!list) return this;
    if (listener === undefined) {
      this.#listeners.delete(event);
      return this;
    }
    const i = list.findIndex((l) => l === listener || (l as { fn?: AnyListener }).fn === listener);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.#listeners.delete(event);
    return this;
  }

  removeListener<Ev extends keyof Events & string>(event: Ev, listener?: Events[Ev]): this {
    return this.off(event, listener);
  }

  removeAllListeners<Ev extends keyof Events & string>(event?: Ev): this {
    return this.off(event);
  }

  listeners<Ev extends keyof Events & string>(event: Ev): Events[Ev][] {
    return (this.#listeners.get(event) ?? []).slice() as Events[Ev][];
  }

  hasListeners(event: keyof Events & string): boolean {
    return this.#listeners.has(event);
  }

  /**
   * @internal Calls the listeners of `event` locally (never sends anything to a peer). The
   * `_` name is mangled in the browser bundles, as every `_` member is (36 calls).
   */
  protected _emit(event: string, ...args: unknown[]): void {
    const list = this.#listeners.get(event);
    if (list) callAll(list.slice(), args, this);
  }
}

export function callAll(list: readonly AnyListener[], args: readonly unknown[], self: unknown) {
  for (const listener of list) {
    try {
      listener.apply(self, args as unknown[]);
    } catch (err) {
      report(err);
    }
  }
}

/** Subscribes and returns the matching unsubscribe function. */
export function sub<Events extends EventMapOf<Events>, Ev extends keyof Events & string>(
  target: Emitter<Events>,
  event: Ev,
  listener: Events[Ev],
): () => void {
  target.on(event, listener);
  return () => target.off(event, listener);
}
