// The real old clients `allowEIO3` exists for, typed just enough for the tests: engine.io-client
// 3.x (Engine.IO v3) and socket.io-client 2.x (Socket.IO protocol v4 over Engine.IO v3), from
// the devDependency aliases `engine.io-client-v3` and `socket.io-client-v2`. They ship no types.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

type Listener = (...args: never[]) => void;

interface Emitter {
  on(event: string, fn: Listener): this;
  once(event: string, fn: Listener): this;
  off(event: string, fn?: Listener): this;
}

export interface EngineClientV3Options {
  transports?: string[];
  upgrade?: boolean;
  forceBase64?: boolean;
  path?: string;
  query?: Record<string, string>;
}

/** engine.io-client 3.x's Socket. */
export interface EngineClientV3 extends Emitter {
  readonly id: string;
  readonly readyState: string;
  readonly transport: { readonly name: string };
  binaryType: string | null;
  send(data: string | Buffer | ArrayBuffer, options?: object, cb?: () => void): void;
  close(): void;
  /** Schedules the client's next ping (overridden to stop pinging). */
  setPing(): void;
  /** Arms the client's own liveness deadline (overridden to leave the verdict to the server). */
  onHeartbeat(timeout?: number): void;
}

type EngineClientV3Ctor = new (uri: string, opts?: EngineClientV3Options) => EngineClientV3;

export const EngineClientV3 = require("engine.io-client-v3") as EngineClientV3Ctor;

export interface SocketClientV2Options extends EngineClientV3Options {
  forceNew?: boolean;
  multiplex?: boolean;
  reconnection?: boolean;
  timeout?: number;
}

/** socket.io-client 2.x's Socket. */
export interface SocketClientV2 extends Emitter {
  readonly id: string;
  readonly connected: boolean;
  query: Record<string, string> | string;
  readonly io: {
    readonly engine: EngineClientV3;
    /** Another namespace on the same connection (the Manager's multiplexing). */
    socket(nsp: string, opts?: { query?: string }): SocketClientV2;
  };
  emit(event: string, ...args: unknown[]): this;
  close(): this;
  disconnect(): this;
}

type Connect = (uri: string, opts?: SocketClientV2Options) => SocketClientV2;

export const ioV2 = (require("socket.io-client-v2") as { connect: Connect }).connect;
