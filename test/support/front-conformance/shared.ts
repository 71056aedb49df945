// What the front conformance cases share: the fixture's options and events, the servers the
// cases run against, and the engine.io error shape.
import { afterAll, beforeAll, describe, expect } from "vitest";
import { getPackets, handshake, post, until } from "../front-protocol.js";

/** What the fixture takes (as JSON in PARLEY_FRONT). */
export interface FrontOptions {
  options: Record<string, unknown>;
  /** An allowRequest that refuses any other Origin header (none is allowed). */
  allowOrigins?: string[];
  /** On @parley/redis-adapter with its session relay, under this key. */
  relay?: { key: string };
}

/** What the fixture printed as `EVENT {json}`. */
export interface FrontEvent {
  type: string;
  sid?: string;
  id?: string;
  reason?: string;
  recovered?: boolean;
  code?: number;
  message?: string;
  context?: Record<string, unknown>;
}

export interface FrontServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  /** Every event the server reported so far. */
  events(): FrontEvent[];
  close(): Promise<void>;
}

export type StartFront = (options: FrontOptions) => Promise<FrontServer>;

/** The events in a fixture's output. */
export function parseEvents(output: string): FrontEvent[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("EVENT "))
    .map((line) => JSON.parse(line.slice(6)) as FrontEvent);
}

/**
 * Per case name: `skip` for a documented difference of that front (the reason says where it
 * is documented); `fails` for an undocumented one found by this suite, run with `it.fails` so
 * the suite goes red once the front is fixed and the entry must go.
 */
export type Deviations = Partial<Record<string, { skip: string } | { fails: string }>>;

export const GOOD = "http://good.example";
export const EVIL = "http://evil.example";
export const MAX = 1000;
export const COOKIE = "parley-sid";

export const DEFAULTS: FrontOptions = {
  options: {
    maxHttpBufferSize: MAX,
    cors: { origin: [GOOD], credentials: true },
    cookie: { name: COOKIE, sameSite: "strict" },
    connectionStateRecovery: { maxDisconnectionDuration: 10_000 },
  },
  allowOrigins: [GOOD],
};

// A short interval to see pings soon; a timeout long enough for a loaded machine to pong in.
export const FAST_PING = { options: { pingInterval: 300, pingTimeout: 1000, upgradeTimeout: 300 } };

export const OTHER_OPTIONS: FrontOptions = {
  options: { path: "/realtime", allowUpgrades: false, allowEIO3: true, httpCompression: false },
};

export const SHUTDOWN: FrontOptions = { options: {} };

export const WEBSOCKET_ONLY: FrontOptions = { options: { transports: ["websocket"] } };

export function errorBody(code: number, message: string) {
  return { code, message };
}

export async function expectError(res: Response, status: number, code: number, message: string) {
  expect({
    status: res.status,
    type: res.headers.get("content-type"),
    body: await res.json(),
  }).toEqual({ status, type: "application/json", body: errorBody(code, message) });
}

/** A polling session past the Socket.IO CONNECT: its sid. */
export async function pollingSocket(base: string): Promise<string> {
  const { open } = await handshake(base);
  expect(await post(base, open.sid, "40")).toEqual({ status: 200, body: "ok" });
  const [connect] = await getPackets(base, open.sid, 1);
  expect(connect).toMatch(/^40\{"sid":"[^"]+"/);
  return open.sid;
}

export type TestFn = (name: string, fn: () => Promise<void>) => void;

/** What a group of cases gets: its `test` (deviations applied) and the server of its describe. */
export interface CaseContext {
  test: TestFn;
  server(): FrontServer;
  /** `http://127.0.0.1:<port>/` */
  base(): string;
  /** The first event of the server's matching `predicate`, once it came. */
  event(predicate: (e: FrontEvent) => boolean, what: string): Promise<FrontEvent>;
}

/** A describe with one server, started with `options` for its cases and killed after them. */
export function withServer(
  title: string,
  options: FrontOptions,
  start: StartFront,
  test: TestFn,
  cases: (ctx: CaseContext) => void,
): void {
  describe(title, () => {
    let current: FrontServer | undefined;
    const server = (): FrontServer => {
      if (current === undefined) throw new Error(`${title}: the server did not start`);
      return current;
    };
    beforeAll(async () => {
      current = await start(options);
    });
    afterAll(async () => {
      await current?.close();
    });
    cases({
      test,
      server,
      base: () => server().url,
      async event(predicate, what) {
        await until(() => server().events().some(predicate), what);
        return server().events().find(predicate) as FrontEvent;
      },
    });
  });
}
