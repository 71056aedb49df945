/**
 * Typed event maps shared by the server and the client. A map is an interface whose keys are
 * event names and whose values are listener signatures:
 *
 *   interface ServerToClient { message(text: string, at: number): void }
 *
 * A listener whose last parameter is a function takes an acknowledgement callback.
 */

/**
 * Any event map. The `any` index signature is what lets an `interface` satisfy this
 * constraint (an interface has no implicit index signature, and only an `any`-valued signature
 * waives that), so maps can be written as interfaces, as Socket.IO users do.
 */
export interface EventsMap {
  // biome-ignore lint/suspicious/noExplicitAny: the one type that lets interfaces be event maps
  [event: string]: any;
}

/** The map used when none is given: every name, any arguments. */
export interface DefaultEventsMap {
  // biome-ignore lint/suspicious/noExplicitAny: the untyped default must accept any arguments
  [event: string]: (...args: any[]) => void;
}

export type EventNames<Map extends EventsMap> = keyof Map & string;

/** Parameters of the listener for `Ev`. */
export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

/** The listener type for `Ev`. */
export type EventListener<Map extends EventsMap, Ev extends EventNames<Map>> = Map[Ev];

/** True for `any`, false for everything else. */
type IsAny<T> = 0 extends 1 & T ? true : false;

/** The last element of a parameter list; `never` for `[]` and for plain arrays such as `any[]`. */
export type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L]
  ? L
  : never;

/**
 * A parameter list without its last element. A plain array (`any[]`) stays as it is: with the
 * untyped default map, any arguments may come before the callback.
 */
export type AllButLast<T extends readonly unknown[]> = T extends readonly [...infer H, unknown]
  ? H
  : T extends readonly []
    ? []
    : T;

/** True for the untyped parameter list of DefaultEventsMap (`any[]`), not for tuples. */
type IsUntyped<P extends readonly unknown[]> = number extends P["length"]
  ? IsAny<P[number]>
  : false;

/** True if the parameter list ends in a callback, or could (an untyped `any[]` list). */
type EndsInCallback<P extends readonly unknown[]> =
  IsUntyped<P> extends true
    ? true
    : P extends readonly [...unknown[], (...args: never[]) => unknown]
      ? true
      : false;

/** Events whose listener ends in an acknowledgement callback. */
export type EventNamesWithAck<Map extends EventsMap> = {
  [K in EventNames<Map>]: EndsInCallback<Parameters<Map[K]>> extends true ? K : never;
}[EventNames<Map>];

/** The value(s) an ack callback receives: its first parameter. */
export type AckResult<Map extends EventsMap, Ev extends EventNames<Map>> =
  Last<Parameters<Map[Ev]>> extends (result: infer R, ...rest: never[]) => unknown ? R : never;

/** Arguments of `emitWithAck(ev, ...args)`: the listener's parameters without the callback. */
export type EmitWithAckArgs<Map extends EventsMap, Ev extends EventNames<Map>> = AllButLast<
  Parameters<Map[Ev]>
>;

/**
 * With `timeout(ms)`, the ack callback gets an error first (`Error` on timeout) and then
 * the usual result: `(err, result) => void`. Untyped (`any`) listeners are left as they are.
 */
export type DecorateAcknowledgements<Map extends EventsMap> = {
  [K in keyof Map]: Map[K] extends (...args: infer P) => infer R
    ? IsUntyped<P> extends true
      ? Map[K]
      : Last<P> extends (...ackArgs: infer A) => unknown
        ? (...args: [...AllButLast<P>, (err: Error | null, ...ackArgs: A) => void]) => R
        : Map[K]
    : Map[K];
};

/** With a broadcast and a timeout, each ack argument becomes an array: one entry per client. */
export type DecorateBroadcastAcknowledgements<Map extends EventsMap> = {
  [K in keyof Map]: Map[K] extends (...args: infer P) => infer R
    ? IsUntyped<P> extends true
      ? Map[K]
      : Last<P> extends (...ackArgs: infer A) => unknown
        ? (
            ...args: [
              ...AllButLast<P>,
              (err: Error | null, ...ackArgs: { [I in keyof A]: A[I][] }) => void,
            ]
          ) => R
        : Map[K]
    : Map[K];
};

/** Events the listener map allows that are not reserved lifecycle names. */
export type ReservedOrUserEventNames<Reserved extends EventsMap, User extends EventsMap> =
  | EventNames<Reserved>
  | EventNames<User>;
