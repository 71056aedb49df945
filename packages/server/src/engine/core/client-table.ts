/**
 * `engine.clients`: the open connections by id, readable both ways user code reads it.
 * engine.io's is a plain object (`clients[id]`, `Object.keys(clients)`, `for…in`), Parley's
 * was a `Map` (`get`, `has`, `size`, iteration). This is one object that is both: each
 * connection is an own enumerable property named by its id, and the `ReadonlyMap` methods
 * live on the prototype (class methods are not enumerable, so `Object.keys` and `for…in` see
 * ids only). It is the engine's only index of its sessions, so it costs no more than the
 * `Map` did.
 *
 * An id that names something the table already has, own or inherited (a duplicate, `get`,
 * `size`, `__proto__`, `toString`…), is refused at the handshake: see `isTaken`.
 */
export class ClientTable<V> implements ReadonlyMap<string, V> {
  #size = 0;

  /** @internal Whether `id` cannot name a new entry (taken, or a member of the table). */
  static isTaken(table: ClientTable<unknown>, id: string): boolean {
    return id in table;
  }

  /** @internal */
  static add<V>(table: ClientTable<V>, id: string, value: V): void {
    if (!Object.hasOwn(table, id)) table.#size++;
    (table as unknown as Record<string, V>)[id] = value;
  }

  /** @internal */
  static remove<V>(table: ClientTable<V>, id: string): void {
    if (!Object.hasOwn(table, id)) return;
    delete (table as unknown as Record<string, V>)[id];
    table.#size--;
  }

  get size(): number {
    return this.#size;
  }

  get(id: string): V | undefined {
    return Object.hasOwn(this, id) ? (this as unknown as Record<string, V>)[id] : undefined;
  }

  has(id: string): boolean {
    return Object.hasOwn(this, id);
  }

  *keys(): MapIterator<string> {
    for (const id of Object.keys(this)) yield id;
  }

  *values(): MapIterator<V> {
    for (const id of Object.keys(this)) yield (this as unknown as Record<string, V>)[id] as V;
  }

  *entries(): MapIterator<[string, V]> {
    for (const id of Object.keys(this)) {
      yield [id, (this as unknown as Record<string, V>)[id] as V];
    }
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, id: string, table: ReadonlyMap<string, V>) => void, thisArg?: unknown) {
    for (const [id, value] of this.entries()) fn.call(thisArg, value, id, this);
  }
}

/**
 * The type of `engine.clients`: Map-like methods, and each connection by its id as engine.io
 * has it (`engine.clients[id]`, `Object.keys(engine.clients)`).
 */
export type EngineClients<V> = ClientTable<V> & { readonly [id: string]: V | undefined };
