import { type Packet, PacketType } from "@parley/protocol";
import type { CatchAllListeners } from "./catch-all-listeners.js";
import { debugLog } from "./debug.js";
import { type MiddlewareFn, runMiddleware } from "./middleware.js";
import type { Event, ExtendedError } from "./socket-types.js";
import type { ErrorSink } from "./typed-emitter.js";
import type { InvalidPayloadError } from "./validation/invalid-payload.js";
import type { AckCallback } from "./validation/standard-schema.js";
import type { InboxSocket, ValidatingInbox } from "./validation/validating-inbox.js";

/**
 * A socket's incoming event path: an EVENT packet from its client to the socket's handlers
 * (catch-all listeners, `socket.use` middlewares, schema validation, the hand-off to the
 * handlers after the current read, the ack callback). Module functions that take what they need as arguments: the socket's
 * `#private` state (its catch-all listeners and middlewares) is passed in by the socket
 * itself, so it stays private. This is the per-message path of every server: kept to a few
 * small monomorphic functions (see docs/PERFORMANCE.md, "Echo latency").
 */

const log = debugLog("parley:socket", "socket.io:socket");

/** What the incoming path needs of its socket (internal members only). */
export interface IncomingSocket extends ErrorSink {
  readonly connected: boolean;
  readonly nsp: {
    readonly name: string;
    readonly _validation: { inboxOf(socket: InboxSocket): ValidatingInbox | undefined } | undefined;
  };
  _sendPacket(packet: Packet): void;
  /** Calls the listeners of `args[0]` with the rest of `args` (guarded, as every emit). */
  _emitIncoming(args: unknown[]): void;
}

/**
 * An EVENT from the client: the ack callback added, catch-all listeners told, then the
 * socket's middlewares (if any), then the handlers, after the current read (`deliverEvent`).
 */
export function onEvent(
  socket: IncomingSocket & InboxSocket,
  packet: Packet,
  any: CatchAllListeners | undefined,
  fns: readonly MiddlewareFn<Event>[] | undefined,
): void {
  const args = packet.data as unknown[];
  if (log.enabled) log("emitting event %j", args);
  if (packet.id !== undefined) {
    if (log.enabled) log("attaching ack callback to event");
    args.push(ackResponder(socket, packet.id));
  }
  if (any !== undefined) any.notify(socket, args, "any", socket);
  if (fns !== undefined) throughMiddleware(socket, fns, args);
  else if (socket.nsp._validation === undefined) deliverEvent(socket, args);
  else dispatch(socket, args);
}

/** `socket.use` middlewares see `[event, ...args]` before the handlers (rare: out of line). */
function throughMiddleware(
  socket: IncomingSocket & InboxSocket,
  fns: readonly MiddlewareFn<Event>[],
  args: unknown[],
): void {
  runMiddleware(
    fns,
    // The decoder guarantees a string event name first.
    args as Event,
    (err) => socket.reportListenerError(err, "middleware"),
    (err?: ExtendedError) => {
      // The socket's `error` event, whether or not it is still connected.
      if (err !== undefined) socket._emitIncoming(["error", err]);
      else dispatch(socket, args);
    },
  );
}

/** Through the namespace's validation when it has schemas, else straight to the handlers' queue. */
function dispatch(socket: IncomingSocket & InboxSocket, args: unknown[]): void {
  const validation = socket.nsp._validation;
  const inbox = validation === undefined ? undefined : validation.inboxOf(socket);
  if (inbox !== undefined) inbox.push(args);
  else deliverEvent(socket, args);
}

/**
 * Events on their way to their handlers, as `socket, args` pairs, run by one microtask per
 * batch (`queueMicrotask` of one shared function: no closure or tick object per event).
 */
let due: unknown[] = [];

/**
 * Handlers run after the current read, as socket.io's run on the next tick: a DISCONNECT
 * that arrived in the same read (one polling payload, one TCP chunk of frames) is applied
 * first, and an event the client sent just before leaving is then dropped rather than
 * handled by a socket that has already said `disconnect`. Events run in arrival order.
 */
function deliverEvent(socket: IncomingSocket, args: unknown[]): void {
  if (due.push(socket, args) === 2) queueMicrotask(runDue);
}

function runDue(): void {
  const batch = due;
  due = [];
  let i = 0;
  try {
    for (; i < batch.length; i += 2) {
      // emitIfConnected, written out: one function fewer for the JIT on every event.
      const socket = batch[i] as IncomingSocket;
      const args = batch[i + 1] as unknown[];
      if (socket.connected) {
        if (log.enabled) log("dispatching an event %j", args);
        socket._emitIncoming(args);
      } else {
        log("ignore packet received after disconnection");
      }
    }
  } finally {
    // Only if an error sink threw: the events after that one still run, first.
    if (i < batch.length) {
      const rest = batch.slice(i + 2);
      if (due.length === 0 && rest.length > 0) queueMicrotask(runDue);
      due = rest.concat(due);
    }
  }
}

/**
 * An event the validating inbox lets through: on the next tick, as the inbox's refusals
 * are, so that a socket's deliveries and refusals keep their order (see ValidatingInbox).
 */
export function deliverValidatedEvent(socket: IncomingSocket, args: unknown[]): void {
  process.nextTick(emitIfConnected, socket, args);
}

function emitIfConnected(socket: IncomingSocket, args: unknown[]): void {
  if (!socket.connected) {
    log("ignore packet received after disconnection");
    return;
  }
  if (log.enabled) log("dispatching an event %j", args);
  socket._emitIncoming(args);
}

/** A payload its schema refused (validation hand-off): to the client's ack, else `error`. */
export function refusePayload(
  socket: IncomingSocket,
  error: InvalidPayloadError,
  ack: AckCallback | undefined,
): void {
  if (ack !== undefined) ack(error.toReply());
  else socket._emitIncoming(["error", error]);
}

/** The callback an event's handler gets as its last argument: it sends the ACK, once. */
function ackResponder(socket: IncomingSocket, id: number): (...args: unknown[]) => void {
  let sent = false;
  return (...args: unknown[]) => {
    if (sent) return;
    sent = true;
    if (log.enabled) log("sending ack %j", args);
    socket._sendPacket({ type: PacketType.ACK, nsp: socket.nsp.name, id, data: args });
  };
}
