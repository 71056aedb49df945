import { io as parleyIo } from "@parley/client";
import { io as officialIo } from "socket.io-client";
import { within } from "../../../test/support/waiting.js";

export { call, collect, next, waitFor, within } from "../../../test/support/waiting.js";

/** What the tests use of a client, official or Parley's (the two APIs are the same). */
export interface TestClient {
  readonly id: string | undefined;
  readonly connected: boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  disconnect(): unknown;
}

export type ClientKind = "official" | "parley";

const open = new Set<TestClient>();

/**
 * A connected client on `url`, in `rooms` (the app joins them at connection). Resolves with
 * the worker id the app greeted it from.
 */
export async function connect(
  url: string,
  opts: {
    rooms?: string[];
    /** Who the client is, for presence (the app copies it to `socket.data.user`). */
    user?: string;
    kind?: ClientKind;
    transports?: ("polling" | "websocket")[];
    /**
     * Retry a failed connection (quickly): behind @socket.io/sticky the first request after
     * a handshake can lose a race (see "Sticky sessions" in the README) and the client must
     * reconnect, as a real one would.
     */
    reconnection?: boolean;
  } = {},
): Promise<{ socket: TestClient; worker: number }> {
  const retry = opts.reconnection === true;
  const options = {
    forceNew: true,
    reconnection: retry,
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    transports: opts.transports ?? ["websocket"],
    auth: { rooms: opts.rooms ?? [], user: opts.user },
  };
  const socket = (opts.kind === "parley"
    ? parleyIo(url, options)
    : officialIo(url, options)) as unknown as TestClient;
  open.add(socket);
  const worker = await within(
    new Promise<number>((resolve, reject) => {
      socket.once("welcome", (id: number) => resolve(id));
      if (!retry) socket.once("connect_error", (err: Error) => reject(err));
    }),
    `connecting to ${url}`,
    5000,
  );
  return { socket, worker };
}

export function closeClients(): void {
  for (const s of open) s.disconnect();
  open.clear();
}
