import type { EventNames, EventsMap, ReservedOrUserEventNames } from "@parley/protocol";
import { emptyTable } from "./engine/lean-events.js";

/**
 * The listener accepted for `Ev`: the reserved map's signature when `Ev` is reserved, the user
 * map's otherwise, and an untyped listener when neither map knows the name.
 */
export type ReservedOrUserListener<
  Reserved extends EventsMap,
  User extends EventsMap,
  Ev extends ReservedOrUserEventNames<Reserved, User>,
> = FallbackToUntypedListener<
  Ev extends EventNames<Reserved> ? Reserved[Ev] : Ev extends EventNames<User> ? User[Ev] : never
>;

export type FallbackToUntypedListener<T> = [T] extends [never]
  ? // biome-ignore lint/suspicious/noExplicitAny: an unknown event may carry any arguments
    (...args: any[]) => void | Promise<void>
  : T;

type AnyListener = (...args: unknown[]) => unknown;

/** A `once` registration. A plain one is stored as the function itself: no object at all. */
class Once {
  constructor(readonly fn: AnyListener) {}
}

type Registration = AnyListener | Once;

/** One event's registrations: alone (most events have one listener), or an array in order. */
type Slot = Registration | Registration[];

function listenerOf(registration: Registration): AnyListener {
  return registration instanceof Once ? registration.fn : registration;
}

/** Where a listener's exception or rejected promise goes. */
export interface ErrorSink {
  reportListenerError(err: unknown, event: string): void;
}

/**
 * A small typed event emitter. It does not extend Node's EventEmitter on purpose:
 * - an `"error"` event without a listener is ignored instead of thrown, so a peer sending
 *   `42["error"]` can never crash the process;
 * - every listener call is guarded: a synchronous throw or a rejected promise is handed to
 *   `onListenerError` and the remaining listeners still run;
 * - `emit` is left to subclasses, where it means "send to the peer".
 * Listener storage is allocated on first use, so an object nobody listens to costs nothing.
 */
export class TypedEmitter<Listen extends EventsMap, Reserved extends EventsMap> {
  /** Registrations by event name; like Node's EventEmitter, integer-like names list first. */
  #listeners: Record<string, Slot | undefined> | undefined;

  on<Ev extends ReservedOrUserEventNames<Reserved, Listen>>(
    ev: Ev,
    listener: ReservedOrUserListener<Reserved, Listen, Ev>,
  ): this {
    return this.#add(ev, listener as unknown as AnyListener, false, false);
  }

  addListener<Ev extends ReservedOrUserEventNames<Reserved, Listen>>(
    ev: Ev,
    listener: ReservedOrUserListener<Reserved, Listen, Ev>,
  ): this {
    return this.#add(ev, listener as unknown as AnyListener, false, false);
  }

  prependListener<Ev extends ReservedOrUserEventNames<Reserved, Listen>>(
    ev: Ev,
    listener: ReservedOrUserListener<Reserved, Listen, Ev>,
  ): this {
    return this.#add(ev, listener as unknown as AnyListener, false, true);
  }

  once<Ev extends ReservedOrUserEventNames<Reserved, Listen>>(
    ev: Ev,
    listener: ReservedOrUserListener<Reserved, Listen, Ev>,
  ): this {
    return this.#add(ev, listener as unknown as AnyListener, true, false);
  }

  prependOnceListener<Ev extends ReservedOrUserEventNames<Reserved, Listen>>(
    ev: Ev,
    listener: ReservedOrUserListener<Reserved, Listen, Ev>,
  ): this {
    return this.#add(ev, listener as unknown as AnyListener, true, true);
  }

  off<Ev extends ReservedOrUserEventNames<Reserved, Listen>>(
    ev: Ev,
    listener?: ReservedOrUserListener<Reserved, Listen, Ev>,
  ): this {
    if (listener === undefined) return this.removeAllListeners(ev);
    const table = this.#listeners;
    const slot = table?.[ev];
    if (table === undefined || slot === undefined) return this;
    if (!Array.isArray(slot)) {
      if (listenerOf(slot) === (listener as unknown as AnyListener)) delete table[ev];
      return this;
    }
    // Like EventEmitter: remove the most recently added registration of that function.
    for (let i = slot.length - 1; i >= 0; i--) {
      if (listenerOf(slot[i] as Registration) === (listener as unknown as AnyListener)) {
        this.#removeAt(table, ev, slot, i);
        break;
      }
    }
    return this;
  }

  removeListener<Ev extends ReservedOrUserEventNames<Reserved, Listen>>(
    ev: Ev,
    listener: ReservedOrUserListener<Reserved, Listen, Ev>,
  ): this {
    return this.off(ev, listener);
  }

  removeAllListeners(ev?: ReservedOrUserEventNames<Reserved, Listen>): this {
    if (ev === undefined) this.#listeners = undefined;
    else if (this.#listeners !== undefined) delete this.#listeners[ev];
    return this;
  }

  listeners<Ev extends ReservedOrUserEventNames<Reserved, Listen>>(
    ev: Ev,
  ): ReservedOrUserListener<Reserved, Listen, Ev>[] {
    const slot = this.#listeners?.[ev];
    const list = slot === undefined ? [] : Array.isArray(slot) ? slot : [slot];
    return list.map(
      (r) => listenerOf(r) as unknown as ReservedOrUserListener<Reserved, Listen, Ev>,
    );
  }

  listenerCount(ev: ReservedOrUserEventNames<Reserved, Listen>): number {
    const slot = this.#listeners?.[ev];
    return slot === undefined ? 0 : Array.isArray(slot) ? slot.length : 1;
  }

  eventNames(): string[] {
    return this.#listeners === undefined ? [] : Object.keys(this.#listeners);
  }

  /** Emits a lifecycle event locally (never sent to a peer). */
  protected emitReserved<Ev extends EventNames<Reserved>>(
    ev: Ev,
    ...args: Parameters<Reserved[Ev]>
  ): boolean {
    return this.emitLocal(ev, args);
  }

  /** Calls the listeners of `ev` with `args`, guarding each call. */
  protected emitLocal(ev: string, args: readonly unknown[]): boolean {
    const slot = this.#listeners?.[ev];
    if (slot === undefined) return false;
    if (!Array.isArray(slot)) {
      if (slot instanceof Once) this.#remove(ev, slot);
      invokeGuarded(this, listenerOf(slot), args, ev, this);
      return true;
    }
    // Listeners added or removed by a listener take effect from the next emit.
    for (const registration of slot.slice()) {
      if (registration instanceof Once) this.#remove(ev, registration);
      invokeGuarded(this, listenerOf(registration), args, ev, this);
    }
    return true;
  }

  /**
   * Receives a listener's exception or rejection. Subclasses route it to the server's
   * `handler_error` event; the default prints it.
   * @internal
   */
  reportListenerError(err: unknown, event: string): void {
    console.error(`[parley] listener for "${event}" failed:`, err);
  }

  #add(ev: string, fn: AnyListener, once: boolean, prepend: boolean): this {
    if (typeof fn !== "function") throw new TypeError("listener must be a function");
    // A fast-mode object with no inherited keys: a Map cost ~180 bytes per socket.
    this.#listeners ??= emptyTable<Slot>();
    const table = this.#listeners;
    const registration: Registration = once ? new Once(fn) : fn;
    const slot = table[ev];
    if (slot === undefined) {
      table[ev] = registration;
    } else if (!Array.isArray(slot)) {
      table[ev] = prepend ? [registration, slot] : [slot, registration];
    } else if (prepend) {
      slot.unshift(registration);
    } else {
      slot.push(registration);
    }
    return this;
  }

  /** Removes one registration (a `once` that fired), wherever it now is. */
  #remove(ev: string, registration: Registration): void {
    const table = this.#listeners;
    const slot = table?.[ev];
    if (table === undefined || slot === undefined) return;
    if (slot === registration) {
      delete table[ev];
    } else if (Array.isArray(slot)) {
      const i = slot.indexOf(registration);
      if (i !== -1) this.#removeAt(table, ev, slot, i);
    }
  }

  #removeAt(
    table: Record<string, Slot | undefined>,
    ev: string,
    slot: Registration[],
    i: number,
  ): void {
    slot.splice(i, 1);
    if (slot.length === 0) delete table[ev];
  }
}

/**
 * Calls `fn` with `thisArg`, turning a synchronous throw or a rejected promise into a call to
 * `sink`. Used for every user-supplied callback (listeners, middleware, ack callbacks).
 */
export function invokeGuarded(
  thisArg: unknown,
  fn: (...args: never[]) => unknown,
  args: readonly unknown[],
  event: string,
  sink: ErrorSink,
): void {
  try {
    const result = (fn as AnyListener).apply(thisArg, args as unknown[]);
    if (isThenable(result)) {
      result.then(undefined, (err: unknown) => sink.reportListenerError(err, event));
    }
  } catch (err) {
    sink.reportListenerError(err, event);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** The ack callback's first meaningful argument: skips the error slot `timeout()` adds. */
export type FirstNonErrorArg<T> = T extends (...args: infer P) => unknown
  ? P extends [infer First, ...infer Rest]
    ? [Error] extends [First]
      ? Rest[0]
      : First
    : P[0]
  : unknown;

// The protocol's helpers assume tuple parameter lists. An untyped map (DefaultEventsMap:
// `(...args: any[]) => void`) has none, and would turn every argument list into `never`;
// these wrappers fall back to loose types there and keep the precise ones for typed maps.

type ParamsOf<Map extends EventsMap, Ev extends keyof Map> = Parameters<Map[Ev]>;
type IfLoose<P extends readonly unknown[], Loose, Strict> = number extends P["length"]
  ? Loose
  : Strict;

/** Event names that take an ack (every name for an untyped map). */
export type AckEventNames<Map extends EventsMap> = string extends keyof Map
  ? EventNames<Map>
  : import("@parley/protocol").EventNamesWithAck<Map>;

/** `emitWithAck(ev, ...args)`'s arguments: the listener's, minus the ack callback. */
export type AckEmitArgs<Map extends EventsMap, Ev extends EventNames<Map>> = IfLoose<
  ParamsOf<Map, Ev>,
  unknown[],
  import("@parley/protocol").EmitWithAckArgs<Map, Ev>
>;

/** What `emitWithAck` resolves to on a single socket. */
export type AckReply<Map extends EventsMap, Ev extends EventNames<Map>> = IfLoose<
  ParamsOf<Map, Ev>,
  // biome-ignore lint/suspicious/noExplicitAny: an untyped event's reply may be anything
  any,
  FirstNonErrorArg<import("@parley/protocol").Last<ParamsOf<Map, Ev>>>
>;

/** `emit(ev, ...args)`'s arguments once `timeout()` gave the ack an error slot. */
export type TimedEmitArgs<Map extends EventsMap, Ev extends EventNames<Map>> = IfLoose<
  ParamsOf<Map, Ev>,
  // biome-ignore lint/suspicious/noExplicitAny: an untyped event takes any arguments
  any[],
  import("@parley/protocol").EventParams<
    import("@parley/protocol").DecorateAcknowledgements<Map>,
    Ev
  >
>;

/** A timed broadcast's `emit` arguments: the ack gets one reply per client. */
export type BroadcastTimedEmitArgs<Map extends EventsMap, Ev extends EventNames<Map>> = IfLoose<
  ParamsOf<Map, Ev>,
  // biome-ignore lint/suspicious/noExplicitAny: an untyped event takes any arguments
  any[],
  import("@parley/protocol").EventParams<
    import("@parley/protocol").DecorateBroadcastAcknowledgements<Map>,
    Ev
  >
>;

/** What a broadcast's `emitWithAck` resolves to: one reply per client. */
export type BroadcastAckReplies<Map extends EventsMap, Ev extends EventNames<Map>> = IfLoose<
  ParamsOf<Map, Ev>,
  // biome-ignore lint/suspicious/noExplicitAny: an untyped event's replies may be anything
  any[],
  import("@parley/protocol").AckResult<Map, Ev>[]
>;
