import { io as parleyIo } from "@parley/client";
import { io as officialIo } from "socket.io-client";

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

/** Runs `op` on the client's worker (the app's "do" event); rejects with the app's error. */
export async function call<T = unknown>(
  socket: TestClient,
  op: string,
  arg: Record<string, unknown> = {},
  ms = 5000,
): Promise<T> {
  const answer = await within(
    new Promise<{ ok?: T; error?: string }>((resolve) => socket.emit("do", op, arg, resolve)),
    `op ${op}`,
    ms,
  );
  if (answer.error !== undefined) throw new Error(answer.error);
  return answer.ok as T;
}

/** Resolves with the arguments of the next `event`. */
export function next<T extends unknown[] = unknown[]>(
  socket: TestClient,
  event: string,
): Promise<T> {
  return new Promise((resolve) => socket.once(event, ((...args: T) => resolve(args)) as never));
}

/** Every `event` the client receives, as argument lists. */
export function collect(socket: TestClient, event: string): unknown[][] {
  const got: unknown[][] = [];
  socket.on(event, ((...args: unknown[]) => got.push(args)) as never);
  return got;
}

/** `promise`, or a failure naming `what` after `ms` (a bound, not a measurement). */
export function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Polls `predicate` until it holds; fails after `ms`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
