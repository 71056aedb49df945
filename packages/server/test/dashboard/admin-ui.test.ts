import { instrument } from "@socket.io/admin-ui";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "../../src/index.js";
import { type Harness, next, startServer, until } from "../helpers.js";

interface AggregatedEvent {
  timestamp: number;
  type: string;
  subType?: string;
  count: number;
}

interface ServerStats {
  clientsCount: number;
  pollingClientsCount: number;
  namespaces: { name: string; socketsCount: number }[];
  aggregatedEvents: AggregatedEvent[];
}

let h: Harness | undefined;
const admins: ClientSocket[] = [];

afterEach(async () => {
  for (const a of admins.splice(0)) a.disconnect();
  await h?.close();
  h = undefined;
});

function admin(url: string, auth?: Record<string, string>): ClientSocket {
  const socket = ioc(`${url}/admin`, {
    forceNew: true,
    reconnection: false,
    transports: ["websocket"],
    ...(auth ? { auth } : {}),
  });
  admins.push(socket);
  return socket;
}

/** `@socket.io/admin-ui`'s server side, instrumenting Parley, read by an admin client. */
describe("@socket.io/admin-ui against Parley", () => {
  it("reports sockets, namespaces, events and byte statistics", async () => {
    h = await startServer({ pingInterval: 60_000 });
    // biome-ignore lint/suspicious/noExplicitAny: admin-ui types its argument as socket.io's Server
    instrument(h.io as any, { auth: false, mode: "development" });
    h.io.on("connection", (s: Socket) => {
      s.join("lobby");
      s.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v));
    });
    const a = h.client("/", { transports: ["websocket"] });
    const p = h.client("/", { transports: ["polling"] });
    await Promise.all([next(a, "connect"), next(p, "connect")]);
    await new Promise((resolve) => a.emit("echo", "x".repeat(500), resolve));

    const watcher = admin(h.url);
    const stats: ServerStats[] = [];
    watcher.on("server_stats", (s: ServerStats) => stats.push(s));
    const [sockets] = await next<
      [{ id: string; nsp: string; transport: string; rooms: string[] }[]]
    >(watcher, "all_sockets");
    const app = sockets.filter((s) => s.nsp === "/");
    expect(new Set(app.map((s) => s.id))).toEqual(new Set([a.id, p.id]));
    expect(app.find((s) => s.id === p.id)).toMatchObject({ transport: "polling" });
    expect(app.find((s) => s.id === a.id)?.rooms).toEqual(expect.arrayContaining([a.id, "lobby"]));

    // Stats arrive every 2 s; events are aggregated per second and handed over once each.
    const total = (type: string) =>
      stats
        .flatMap((s) => s.aggregatedEvents)
        .filter((e) => e.type === type)
        .reduce((n, e) => n + e.count, 0);
    await until(() => total("bytesIn") > 500 && total("bytesOut") > 500, "byte statistics");
    expect(total("packetsIn")).toBeGreaterThan(0);
    expect(total("packetsOut")).toBeGreaterThan(0);
    expect(total("rawConnection")).toBe(3);
    const latest = stats.at(-1) as ServerStats;
    expect(latest.clientsCount).toBe(3);
    expect(latest.pollingClientsCount).toBe(1);
    expect(latest.namespaces).toEqual(
      expect.arrayContaining([
        { name: "/", socketsCount: 2 },
        { name: "/admin", socketsCount: 1 },
      ]),
    );

    // Its live events: a socket leaving, and the admin's own disconnect command.
    const left = next<[string, string, string]>(watcher, "socket_disconnected");
    const gone = next(p, "disconnect");
    const pollingId = p.id;
    watcher.emit("_disconnect", "/", false, pollingId);
    expect((await gone)[0]).toBe("io server disconnect");
    const [nsp, id, reason] = await left;
    expect([nsp, id, reason]).toEqual(["/", pollingId, "server namespace disconnect"]);
  });

  it("keeps its basic authentication: a wrong password is refused", async () => {
    h = await startServer({ pingInterval: 60_000 });
    // bcrypt hash of "changeit" (admin-ui wants a hash, not the password).
    const password = "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS";
    // biome-ignore lint/suspicious/noExplicitAny: as above
    instrument(h.io as any, { auth: { type: "basic", username: "admin", password } });
    const refused = admin(h.url, { username: "admin", password: "wrong" });
    const [err] = await next<[Error]>(refused, "connect_error");
    expect(err.message).toBe("invalid credentials");
    const allowed = admin(h.url, { username: "admin", password: "changeit" });
    const [session] = await next<[string]>(allowed, "session");
    expect(typeof session).toBe("string");
  });
});
