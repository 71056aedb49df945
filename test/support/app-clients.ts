// Clients of the adapter app (test/support/adapter-app.ts): official socket.io-client or
// Parley's, connected and greeted, driving their server with "do".
import { io as parleyIo } from "@parley/client";
import { io as officialIo } from "socket.io-client";
import { within } from "./waiting.js";

export { call, collect, next, waitFor, within } from "./waiting.js";

/** What the tests use of a client, official or Parley's (the two APIs are the same). */
export interface TestClient {
  readonly id: string | undefined;
  readonly connected: boolean;
  readonly recovered: boolean;
  readonly io: { engine: { close(): void } };
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

export type ClientKind = "official" | "parley";

const open = new Set<TestClient>();

/** A client on `url` in `rooms`, once its server greeted it; resolves with the server's name. */
export async function connect(
  url: string,
  opts: { rooms?: string[]; kind?: ClientKind; transports?: ("polling" | "websocket")[] } = {},
): Promise<{ socket: TestClient; server: string }> {
  const options = {
    forceNew: true,
    reconnection: false,
    transports: opts.transports ?? ["websocket"],
    auth: { rooms: opts.rooms ?? [] },
  };
  const socket = (opts.kind === "parley"
    ? parleyIo(url, options)
    : officialIo(url, options)) as unknown as TestClient;
  open.add(socket);
  const server = await within(
    new Promise<string>((resolve, reject) => {
      socket.once("welcome", (name: string) => resolve(name));
      socket.once("connect_error", (err: Error) => reject(err));
    }),
    `connecting to ${url}`,
    8000,
  );
  return { socket, server };
}

export function closeClients(): void {
  for (const s of open) s.disconnect();
  open.clear();
}
