import type { IncomingMessage } from "node:http";
import type { Server } from "socket.io";
import { describe, expect, it } from "vitest";
import type { TransportName } from "../src/index.js";
import { connect, next, SERVER_KINDS, startServer, until } from "./helpers.js";

/** One request the server answered: its sid (none for a handshake), kind, Cookie header. */
interface Seen {
  sid: string | null;
  upgrade: boolean;
  cookie: string | undefined;
  at: number;
}

type Headers = Record<string, unknown>;

/** Adds `Set-Cookie` lines, after any the server (its `cookie` option) already put there. */
function setCookie(headers: Headers, ...cookies: string[]): void {
  const prior = headers["Set-Cookie"];
  headers["Set-Cookie"] = [...(prior === undefined ? [] : [prior].flat()), ...cookies];
}

/**
 * A server setup that records every request's Cookie header (polling requests and WebSocket
 * upgrades: the engine's `headers` hook sees both) and lets the test add cookies to the
 * handshake response (`initial_headers`) and to later ones (`headers`).
 */
function recording(
  seen: Seen[],
  onHandshake: (headers: Headers) => void,
  onLater: (headers: Headers, req: IncomingMessage) => void = () => {},
) {
  return (io: Server) => {
    io.engine.on("initial_headers", (headers: Headers) => onHandshake(headers));
    io.engine.on("headers", (headers: Headers, req: IncomingMessage) => {
      const sid = new URL(req.url ?? "/", "http://x").searchParams.get("sid");
      seen.push({
        sid,
        upgrade: req.headers.upgrade === "websocket",
        cookie: req.headers.cookie,
        at: Date.now(),
      });
      if (sid !== null) onLater(headers, req);
    });
  };
}

/** The cookies of a Cookie header, by name. */
function cookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of header?.split("; ") ?? []) {
    const eq = pair.indexOf("=");
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

const polling: TransportName[] = ["polling"];

describe.each(SERVER_KINDS)("Node cookie jar (withCredentials) against %s", (kind) => {
  it("cookies set on the handshake go back on every later polling request and on the upgrade", async () => {
    const seen: Seen[] = [];
    const server = await startServer(
      { cookie: true },
      recording(seen, (h) =>
        setCookie(
          h,
          "AWSALB=node-1; Path=/; Max-Age=3600",
          "SERVERID=s1; Path=/socket.io",
          "api=1; Path=/api",
        ),
      ),
      kind,
    );
    const socket = connect(server.url, { withCredentials: true });
    const upgraded = next(socket.io.engine as NonNullable<typeof socket.io.engine>, "upgrade");
    await next(socket, "connect");
    await upgraded;
    const sid = socket.io.engine?.id;
    const [handshake, ...later] = seen;
    expect(handshake?.sid).toBeNull();
    expect(handshake?.cookie).toBeUndefined();
    expect(later.some((r) => !r.upgrade)).toBe(true);
    expect(later.filter((r) => r.upgrade)).toHaveLength(1);
    for (const request of later) {
      expect(request.sid).toBe(sid);
      // Longer path first (RFC 6265 5.4); Path=/api does not match /socket.io/.
      expect(request.cookie?.startsWith("SERVERID=s1; ")).toBe(true);
      expect(cookies(request.cookie)).toEqual({ SERVERID: "s1", io: sid, AWSALB: "node-1" });
    }
  });

  it("without withCredentials no cookie is kept, as socket.io-client", async () => {
    const seen: Seen[] = [];
    const server = await startServer(
      { cookie: true },
      recording(seen, (h) => setCookie(h, "AWSALB=node-1")),
      kind,
    );
    const socket = connect(server.url, { transports: polling });
    await next(socket, "connect");
    await until(() => seen.length >= 3);
    expect(seen.map((r) => r.cookie)).toEqual(seen.map(() => undefined));
  });

  it("expired cookies are not sent; a server deletes one by expiring it", async () => {
    const seen: Seen[] = [];
    let deleteKept = false;
    let deletedAt = Number.POSITIVE_INFINITY;
    const server = await startServer(
      {},
      recording(
        seen,
        (h) =>
          setCookie(
            h,
            "kept=1",
            "soon=1; Max-Age=1",
            "past=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "zero=1; Max-Age=0",
          ),
        (h) => {
          if (!deleteKept) return;
          deleteKept = false;
          setCookie(h, "kept=; Max-Age=0");
          deletedAt = Date.now();
        },
      ),
      kind,
    );
    const socket = connect(server.url, { transports: polling, withCredentials: true });
    await next(socket, "connect");
    const start = Date.now();
    // Polling requests keep coming: a GET and a pong POST every pingInterval (300 ms). `at` is
    // when the server answered; a long-poll GET left the client up to a ping interval before.
    await until(() => seen.some((r) => r.at > start + 1900));
    const early = seen.filter((r) => r.sid !== null && r.at < start + 500);
    const late = seen.filter((r) => r.at > start + 1700);
    expect(early.length).toBeGreaterThan(0);
    for (const r of early) expect(cookies(r.cookie)).toEqual({ kept: "1", soon: "1" });
    expect(late.length).toBeGreaterThan(0);
    for (const r of late) expect(cookies(r.cookie)).toEqual({ kept: "1" });
    deleteKept = true;
    await until(() => seen.some((r) => r.at > deletedAt + 800));
    const afterDelete = seen.filter((r) => r.at > deletedAt + 700);
    for (const r of afterDelete) expect(r.cookie).toBeUndefined();
  });

  it("two clients do not share cookies", async () => {
    const seen: Seen[] = [];
    let n = 0;
    const server = await startServer(
      { cookie: true },
      recording(seen, (h) => setCookie(h, `AWSALB=node-${++n}`)),
      kind,
    );
    const a = connect(server.url, { transports: polling, withCredentials: true });
    await next(a, "connect");
    const b = connect(server.url, { transports: polling, withCredentials: true });
    await next(b, "connect");
    // A keeps polling after B got its cookies: a shared jar would now send B's with A's requests.
    const bConnected = Date.now();
    const aSid = a.io.engine?.id;
    await until(() => seen.some((r) => r.sid === aSid && r.at > bConnected + 400));
    const bySid = new Map<string, Set<string | undefined>>();
    for (const r of seen) {
      if (r.sid === null) continue;
      const set = bySid.get(r.sid) ?? new Set();
      set.add(r.cookie);
      bySid.set(r.sid, set);
    }
    expect(bySid.size).toBe(2);
    const balancerCookies = new Set<string>();
    for (const [sid, headers] of bySid) {
      // Every request of one session carries that session's cookies only.
      expect(headers.size).toBe(1);
      const jar = cookies([...headers][0]);
      expect(jar.io).toBe(sid);
      expect(Object.keys(jar).sort()).toEqual(["AWSALB", "io"]);
      balancerCookies.add(jar.AWSALB as string);
    }
    expect([...balancerCookies].sort()).toEqual(["node-1", "node-2"]);
  });

  it("the jar belongs to the Manager: a reconnection's handshake carries the last session's cookies", async () => {
    const seen: Seen[] = [];
    let n = 0;
    const server = await startServer(
      { cookie: true },
      recording(seen, (h) => setCookie(h, `AWSALB=node-${++n}; Path=/`)),
      kind,
    );
    const socket = connect(server.url, { transports: polling, withCredentials: true });
    await next(socket, "connect");
    const firstSid = socket.io.engine?.id;
    await server.close();
    await server.restart();
    await next(socket, "connect");
    const handshakes = seen.filter((r) => r.sid === null);
    expect(handshakes).toHaveLength(2);
    expect(handshakes[0]?.cookie).toBeUndefined();
    // Sticky: the balancer would route this handshake to the node that served the last one.
    expect(cookies(handshakes[1]?.cookie)).toEqual({ io: firstSid, AWSALB: "node-1" });
    // The new session's cookies replace the old ones (same name and path).
    const newSid = socket.io.engine?.id;
    await until(() => seen.some((r) => r.sid === newSid));
    const last = seen.filter((r) => r.sid === newSid);
    for (const r of last) expect(cookies(r.cookie)).toEqual({ io: newSid, AWSALB: "node-2" });
  });

  it("WebSocket only: cookies of the 101 response go with the next connection's upgrade", async () => {
    const seen: Seen[] = [];
    let n = 0;
    // A balancer's cookie on the handshake (socket.io's `cookie` option only sets one on a
    // polling handshake, so this test sets its own).
    const server = await startServer(
      {},
      recording(seen, (h) => setCookie(h, `AWSALB=node-${++n}`)),
      kind,
    );
    const socket = connect(server.url, { transports: ["websocket"], withCredentials: true });
    await next(socket, "connect");
    await server.close();
    await server.restart();
    await next(socket, "connect");
    expect(seen.map((r) => r.upgrade)).toEqual([true, true]);
    expect(seen[0]?.cookie).toBeUndefined();
    expect(cookies(seen[1]?.cookie)).toEqual({ AWSALB: "node-1" });
  });
});
