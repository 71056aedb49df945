import type { StandardSchemaV1 } from "@standard-schema/spec";
import { EventSchemas } from "./event-schemas.js";
import { type InboxSocket, ValidatingInbox } from "./validating-inbox.js";

/**
 * A namespace's validated events: its own schemas (`nsp.schemas()`) and the inbox of each
 * socket that validates. Made by the first schema anywhere in the namespace; kept here rather
 * than on each socket, so that a socket costs not one byte more while nobody validates.
 */
export class NamespaceValidation {
  /** The namespace's schemas, for every socket; undefined until `schemas()` is called. */
  #schemas: EventSchemas | undefined;
  /** Inboxes of the sockets that validate (those with schemas of their own, or all of them). */
  readonly #inboxes = new WeakMap<InboxSocket, ValidatingInbox>();

  /** Adds namespace-wide schemas. */
  addSchemas(schemas: Readonly<Record<string, unknown>>): void {
    this.#schemas ??= new EventSchemas();
    for (const [event, schema] of Object.entries(schemas)) this.#schemas.add(event, schema);
  }

  /** Adds a schema of one socket's own `on(ev, schema, handler)`. */
  addSocketSchema(socket: InboxSocket, event: string, schema: unknown): void {
    this.#inboxFor(socket).addSchema(event, schema, this.#schemas?.get(event));
  }

  /** The schema of `event` for `socket`: its own, else the namespace's. */
  schemaFor(socket: InboxSocket, event: string): StandardSchemaV1 | undefined {
    return this.#inboxes.get(socket)?.schemaOf(event) ?? this.#schemas?.get(event);
  }

  /**
   * The inbox `socket`'s incoming events go through, or undefined when it validates nothing
   * (no namespace schema, none of its own): then they go straight to its handlers.
   */
  inboxOf(socket: InboxSocket): ValidatingInbox | undefined {
    const inbox = this.#inboxes.get(socket);
    if (inbox !== undefined || this.#schemas === undefined) return inbox;
    return this.#inboxFor(socket);
  }

  #inboxFor(socket: InboxSocket): ValidatingInbox {
    let inbox = this.#inboxes.get(socket);
    if (inbox === undefined) {
      inbox = new ValidatingInbox(socket);
      this.#inboxes.set(socket, inbox);
    }
    return inbox;
  }
}
