import type { EventNames, EventParams, EventsMap } from "@parley/protocol";
import type { AckEmitArgs, AckEventNames, AckReply, TimedEmitArgs } from "./typed-emitter.js";

/** Per-emit options of a single socket (`socket.timeout(ms)`, `.volatile`, `.compress(b)`). */
export interface EmitFlags {
  readonly volatile?: boolean;
  readonly compress?: boolean;
  readonly timeout?: number;
}

/** What the emitter needs from its socket. */
interface FlaggedTarget {
  /** @internal */
  _emitWith(flags: EmitFlags, ev: string, args: unknown[]): boolean;
  /** @internal */
  _emitWithAck(flags: EmitFlags, ev: string, args: unknown[]): Promise<unknown>;
}

/**
 * `socket.timeout(ms)`, `socket.volatile` and `socket.compress(b)` return one of these instead
 * of setting flags on the socket, so a flag set and never used cannot leak into a later emit.
 * Each modifier returns a new emitter; the socket is untouched.
 */
export class SocketEmitter<Map extends EventsMap, Timed extends boolean> {
  readonly #socket: FlaggedTarget;
  readonly #flags: EmitFlags;

  constructor(socket: FlaggedTarget, flags: EmitFlags) {
    this.#socket = socket;
    this.#flags = flags;
  }

  timeout(ms: number): SocketEmitter<Map, true> {
    return new SocketEmitter(this.#socket, { ...this.#flags, timeout: ms });
  }

  get volatile(): SocketEmitter<Map, Timed> {
    return new SocketEmitter(this.#socket, { ...this.#flags, volatile: true });
  }

  compress(compress: boolean): SocketEmitter<Map, Timed> {
    return new SocketEmitter(this.#socket, { ...this.#flags, compress });
  }

  emit<Ev extends EventNames<Map>>(
    ev: Ev,
    ...args: Timed extends true ? TimedEmitArgs<Map, Ev> : EventParams<Map, Ev>
  ): boolean {
    return this.#socket._emitWith(this.#flags, ev, args as unknown[]);
  }

  emitWithAck<Ev extends AckEventNames<Map>>(
    ev: Ev,
    ...args: AckEmitArgs<Map, Ev>
  ): Promise<AckReply<Map, Ev>> {
    return this.#socket._emitWithAck(this.#flags, ev, args as unknown[]) as Promise<
      AckReply<Map, Ev>
    >;
  }

  send(...args: unknown[]): this {
    this.#socket._emitWith(this.#flags, "message", args);
    return this;
  }
}
