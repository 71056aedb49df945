import type { StandardSchemaV1 } from "@standard-schema/spec";
import { isStandardSchema } from "./standard-schema.js";

/**
 * Event name → schema, for a namespace (`nsp.schemas({...})`) or one socket
 * (`socket.on(ev, schema, handler)`). One schema per event: registering a different one for
 * an event that has one throws, so two handlers never disagree on what the payload is.
 */
export class EventSchemas {
  readonly #byEvent = new Map<string, StandardSchemaV1>();

  get(event: string): StandardSchemaV1 | undefined {
    return this.#byEvent.get(event);
  }

  /** Adds `schema` for `event`; `inherited` is the namespace's, which a socket must agree with. */
  add(event: string, schema: unknown, inherited?: StandardSchemaV1): void {
    if (!isStandardSchema(schema)) {
      throw new TypeError(
        `the schema for "${event}" is not a Standard Schema (zod, valibot, arktype…): it has no "~standard" v1 property`,
      );
    }
    const current = this.#byEvent.get(event) ?? inherited;
    if (current !== undefined && current !== schema) {
      throw Object.assign(new Error(`event "${event}" already has a different schema`), {
        code: "SCHEMA_CONFLICT",
      });
    }
    this.#byEvent.set(event, schema);
  }
}
