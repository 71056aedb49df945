import type { StandardSchemaV1 } from "@standard-schema/spec";

export type { StandardSchemaV1 };

/** The ack callback a validated handler receives when the client asked for one. */
// biome-ignore lint/suspicious/noExplicitAny: the reply is whatever the app sends back
export type AckCallback = (...reply: any[]) => void;

/**
 * A handler of a validated event: the payload as the schema outputs it (defaults applied,
 * transforms run), then the client's ack callback, `undefined` when it sent none. It may be
 * async: a rejection goes to `handler_error`, as any listener's.
 */
export type ValidatedListener<S extends StandardSchemaV1> = (
  data: StandardSchemaV1.InferOutput<S>,
  ack: AckCallback | undefined,
) => void;

/** A map of event name → schema, as `namespace.schemas()` takes it. */
export type EventSchemaMap = Readonly<Record<string, StandardSchemaV1>>;

/** The client→server event map a schema map stands for. */
export type SchemaEvents<Schemas extends EventSchemaMap> = {
  [Ev in keyof Schemas & string]: ValidatedListener<Schemas[Ev]>;
};

/**
 * The listen map of a namespace once `schemas()` is applied: the schema events, and the
 * other events of a typed map. An untyped map (an index signature) is replaced, so that the
 * schema events keep their precise types.
 */
export type WithSchemas<
  Listen extends Record<string, unknown>,
  Schemas extends EventSchemaMap,
> = string extends keyof Listen
  ? SchemaEvents<Schemas>
  : Omit<Listen, keyof Schemas> & SchemaEvents<Schemas>;

/** Whether `value` implements Standard Schema v1 (zod ≥ 3.24, valibot ≥ 1, arktype ≥ 2…). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const props = (value as { "~standard"?: { version?: unknown; validate?: unknown } })["~standard"];
  return (
    typeof props === "object" &&
    props !== null &&
    props.version === 1 &&
    typeof props.validate === "function"
  );
}
