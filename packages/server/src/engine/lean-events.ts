import { EventEmitter } from "node:events";

/**
 * The prototype of Parley's per-connection key tables: empty, frozen, null-prototype. A table
 * inheriting from it has no inherited key (`toString`, `constructor` are ordinary keys, and
 * `__proto__` too, as no accessor is on the chain), like a `{ __proto__: null }` literal, but
 * unlike that literal, which V8 keeps in dictionary mode (~130 bytes even when empty), it is a
 * small fast-mode object whose shapes all tables share.
 */
const TABLE_PROTO: object = Object.freeze(Object.create(null));

/** A new, empty key table (see TABLE_PROTO). */
export function emptyTable<T>(): Record<string, T> {
  return Object.create(TABLE_PROTO) as Record<string, T>;
}

/**
 * Gives an EventEmitter that has no listener yet a fast-mode `_events` table instead of the
 * dictionary-mode one its constructor made. EventEmitter only reads and writes keys of
 * `_events` (and replaces it with its own literal once its last listener is removed).
 */
export function leanEvents(emitter: EventEmitter): void {
  const internals = emitter as unknown as { _events: object; _eventsCount: number };
  if (internals._eventsCount === 0) internals._events = emptyTable();
}

/**
 * For an EventEmitter that seldom gets a listener (an Engine.IO session: the Socket.IO layer
 * is told through `_owner`, not events): no `_events` table at all until one is added. Node's
 * EventEmitter reads an undefined `_events` as "no listener" everywhere and makes its table on
 * the first `on` — a dictionary-mode one: code adding listeners to every session calls
 * leanEvents first (metrics, dashboard).
 */
export function noEventsYet(emitter: EventEmitter): void {
  const internals = emitter as unknown as { _events: object | undefined; _eventsCount: number };
  if (internals._eventsCount === 0) internals._events = undefined;
}

/**
 * A base class for EventEmitters made per connection that seldom get a listener (an Engine.IO
 * session): an `EventEmitter` (its prototype, so `instanceof EventEmitter` and every method)
 * whose constructor sets nothing. EventEmitter's own constructor gives each instance five
 * properties (`_events`, `_eventsCount`, `_maxListeners` and two symbols) that the prototype
 * already answers for an emitter without listeners; the first `on` makes `_events` and
 * `_eventsCount` then, as EventEmitter does for an emitter whose `_events` is undefined. Five
 * fields less per connection (JavaScriptCore sizes objects in steps: 13–18 fields take 160 B,
 * up to 12 take 112 B). Code adding listeners to every instance calls leanEvents first.
 */
function ListenerlessEmitter(): void {}
ListenerlessEmitter.prototype = EventEmitter.prototype;
export const LazyEventEmitter = ListenerlessEmitter as unknown as typeof EventEmitter;
