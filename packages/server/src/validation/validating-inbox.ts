import type { StandardSchemaV1 } from "@standard-schema/spec";
import { EventSchemas } from "./event-schemas.js";
import { InvalidPayloadError, toPayloadIssues } from "./invalid-payload.js";
import type { AckCallback } from "./standard-schema.js";

/** What the inbox needs of its socket. */
export interface InboxSocket {
  /** The schema of `event` on this socket (its own, else its namespace's). */
  _schemaFor(event: string): StandardSchemaV1 | undefined;
  /** Hands `[event, ...args]` to the handlers on the next tick (if still connected then). */
  _deliverEvent(args: unknown[]): void;
  /** Tells the client (ack) or the app (`error`) that a payload was refused. */
  _refusePayload(error: InvalidPayloadError, ack: AckCallback | undefined): void;
  reportListenerError(err: unknown, event: string): void;
  disconnect(close?: boolean): unknown;
}

/**
 * Events one socket may have waiting behind an async validation. A client that sends more
 * while one is in flight is flooding (or the validator hangs): it is disconnected, as a
 * client that reads too slowly is, rather than queued without bound.
 */
export const MAX_WAITING_EVENTS = 1000;

/**
 * One socket's incoming events on their way to the handlers when schemas are in play.
 * A validated event carries one payload argument (or none: `undefined` is validated), then
 * the optional ack; its handlers get the schema's output in place of the payload, and a
 * payload the schema refuses never reaches them.
 *
 * Order: events are handed over in the order they arrived. While an async validation is in
 * flight, every later event of the socket (validated or not) waits behind it, so a slow
 * validator delays a socket's events but never reorders them. Delivery and refusal both go
 * through `nextTick`, whose queue is FIFO, so an event validated at once is never overtaken
 * by one validated later.
 *
 * Made only for sockets whose namespace or own handlers have schemas: others never see it.
 */
export class ValidatingInbox {
  readonly #socket: InboxSocket;
  /** Schemas of this socket's own `on(ev, schema, handler)`. */
  #own: EventSchemas | undefined;
  /** Events waiting behind an async validation, oldest first. */
  #waiting: unknown[][] | undefined;
  #busy = false;

  constructor(socket: InboxSocket) {
    this.#socket = socket;
  }

  /** Adds a schema of the socket's own (see `EventSchemas.add`). */
  addSchema(event: string, schema: unknown, inherited: StandardSchemaV1 | undefined): void {
    this.#own ??= new EventSchemas();
    this.#own.add(event, schema, inherited);
  }

  /** The socket's own schema of `event`, if it has one. */
  schemaOf(event: string): StandardSchemaV1 | undefined {
    return this.#own?.get(event);
  }

  /** `args` is `[event, ...payload, ack?]` as the socket decoded it. */
  push(args: unknown[]): void {
    if (this.#busy) {
      this.#waiting ??= [];
      if (this.#waiting.length >= MAX_WAITING_EVENTS) {
        this.#waiting = undefined;
        this.#socket.disconnect(true);
        return;
      }
      this.#waiting.push(args);
      return;
    }
    this.#validate(args);
  }

  /** Validates and hands over `args`; true when the validation went async. */
  #validate(args: unknown[]): boolean {
    const event = args[0] as string;
    const schema = this.#socket._schemaFor(event);
    if (schema === undefined) {
      this.#socket._deliverEvent(args);
      return false;
    }
    const last = args[args.length - 1];
    const ack = typeof last === "function" ? (last as AckCallback) : undefined;
    const payloadCount = args.length - 1 - (ack === undefined ? 0 : 1);
    if (payloadCount > 1) {
      this.#refuse(event, ack, [
        { message: `expected at most one argument, got ${payloadCount}`, path: [] },
      ]);
      return false;
    }
    let result: StandardSchemaV1.Result<unknown> | PromiseLike<StandardSchemaV1.Result<unknown>>;
    try {
      result = schema["~standard"].validate(payloadCount === 1 ? args[1] : undefined);
    } catch (err) {
      this.#validatorFailed(event, err);
      return false;
    }
    if (!isPromiseLike(result)) {
      this.#apply(event, ack, result);
      return false;
    }
    this.#busy = true;
    result.then(
      (settled) => this.#resume(event, ack, settled),
      (err: unknown) => this.#resume(event, ack, undefined, err),
    );
    return true;
  }

  #resume(
    event: string,
    ack: AckCallback | undefined,
    result: StandardSchemaV1.Result<unknown> | undefined,
    err?: unknown,
  ): void {
    this.#busy = false;
    if (result === undefined) this.#validatorFailed(event, err);
    else this.#apply(event, ack, result);
    const waiting = this.#waiting;
    while (waiting !== undefined && waiting.length > 0 && !this.#busy) {
      this.#validate(waiting.shift() as unknown[]);
    }
  }

  #apply(
    event: string,
    ack: AckCallback | undefined,
    result: StandardSchemaV1.Result<unknown>,
  ): void {
    if (result.issues !== undefined) {
      this.#refuse(event, ack, toPayloadIssues(result.issues));
      return;
    }
    this.#socket._deliverEvent(
      ack === undefined ? [event, result.value] : [event, result.value, ack],
    );
  }

  #refuse(
    event: string,
    ack: AckCallback | undefined,
    issues: InvalidPayloadError["issues"],
  ): void {
    process.nextTick(refuse, this.#socket, new InvalidPayloadError(event, issues), ack);
  }

  /** A validator that throws is a server bug, not bad input: reported, the event dropped. */
  #validatorFailed(event: string, err: unknown): void {
    this.#socket.reportListenerError(err, `validate:${event}`);
  }
}

function refuse(
  socket: InboxSocket,
  error: InvalidPayloadError,
  ack: AckCallback | undefined,
): void {
  socket._refusePayload(error, ack);
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === "function";
}
