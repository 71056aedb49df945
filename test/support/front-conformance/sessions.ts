// Front conformance: how sessions end and come back (close packets, heartbeats, the upgrade
// timeout, connection state recovery with the official client).
import { io as officialIo, type Socket } from "socket.io-client";
import { afterAll, expect } from "vitest";
import {
  eioUrl,
  frame,
  get,
  getPackets,
  handshake,
  openWs,
  post,
  until,
} from "../front-protocol.js";
import { type CaseContext, expectError, GOOD, pollingSocket } from "./shared.js";

/** Run against DEFAULTS. */
export function sessionCases(ctx: CaseContext): void {
  const { test, server, base, event } = ctx;
  const clients: Socket[] = [];
  afterAll(() => {
    for (const c of clients) c.disconnect();
  });
  test("the server closing a WebSocket session: a close frame without a status (1005)", async () => {
    const c = await openWs(base(), "transport=websocket");
    const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as { sid: string };
    c.ws.send("40");
    await frame(c, 1);
    c.ws.send('42["drop"]');
    // engine.io closes its `ws` socket with close(): no status code in the frame.
    expect(await c.closed).toBe(1005);
    const closed = await event((e) => e.type === "close" && e.sid === sid, "close");
    expect(closed.reason).toBe("forced close");
  });

  test("close packets: from the client (polling, WebSocket) and from the server", async () => {
    const { open } = await handshake(base());
    expect(await post(base(), open.sid, "1")).toEqual({ status: 200, body: "ok" });
    const byPolling = await event((e) => e.type === "close" && e.sid === open.sid, "close");
    expect(byPolling.reason).toBe("transport close");
    const c = await openWs(base(), "transport=websocket");
    const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as { sid: string };
    c.ws.send("1");
    const byWs = await event((e) => e.type === "close" && e.sid === sid, "close");
    expect(byWs.reason).toBe("transport close");
    await c.closed;
    // The server closing a polling session answers the pending GET with a close packet.
    const polling = await pollingSocket(base());
    const pending = get(base(), polling);
    expect(await post(base(), polling, '42["drop"]')).toEqual({ status: 200, body: "ok" });
    expect(await pending).toEqual({ status: 200, body: "1" });
    const forced = await event((e) => e.type === "close" && e.sid === polling, "close");
    expect(forced.reason).toBe("forced close");
  });

  const recovering = (transports: ("polling" | "websocket")[]) => {
    const c = officialIo(base(), {
      forceNew: true,
      transports,
      reconnectionDelay: 50,
      reconnectionDelayMax: 50,
      extraHeaders: { Origin: GOOD },
    });
    clients.push(c);
    return c;
  };

  const drops = [
    ["server", "websocket"],
    ["client", "websocket"],
    ["server", "polling"],
    ["client", "polling"],
  ] as const;
  for (const [side, transport] of drops) {
    test(`connection state recovery after a ${side}-side drop (${transport})`, async () => {
      const c = recovering([transport]);
      const got: unknown[] = [];
      c.on("news", (v: unknown) => got.push(v));
      await new Promise<void>((resolve) => c.once("connect", () => resolve()));
      const id = c.id as string;
      c.emit("broadcast", "before");
      await until(() => got.length === 1, "the first broadcast");
      if (side === "server") c.emit("drop");
      else c.io.engine.close();
      const reason = side === "server" ? "forced close" : "transport close";
      await event((e) => e.type === "disconnect" && e.id === id, "the server's disconnect");
      await until(() => c.connected && got.length >= 2, "the recovery");
      expect(c.recovered).toBe(true);
      expect(c.id).toBe(id);
      expect(
        server()
          .events()
          .filter((e) => e.type === "connect" && e.id === id),
      ).toEqual([
        { type: "connect", id, recovered: false },
        { type: "connect", id, recovered: true },
      ]);
      expect(
        server()
          .events()
          .find((e) => e.type === "disconnect" && e.id === id)?.reason,
      ).toBe(reason);
      c.emit("broadcast", "after");
      await until(() => got.includes("after"), "a broadcast after the recovery");
      expect(got).toEqual(["before", `missed: ${reason}`, "after"]);
      c.disconnect();
    });
  }
}

/** Run against FAST_PING. */
export function heartbeatCases(ctx: CaseContext): void {
  const { test, server, base } = ctx;
  const closeOf = async (sid: string) => {
    await until(
      () =>
        server()
          .events()
          .some((e) => e.type === "close" && e.sid === sid),
      `the close of ${sid}`,
    );
    return server()
      .events()
      .find((e) => e.type === "close" && e.sid === sid)?.reason;
  };

  test("a polling client that stops answering pings is closed: ping timeout", async () => {
    const { open } = await handshake(base());
    expect(open).toMatchObject({ pingInterval: 300, pingTimeout: 1000 });
    expect(await closeOf(open.sid)).toBe("ping timeout");
    await expectError(
      await fetch(eioUrl(base(), `transport=polling&sid=${open.sid}`)),
      400,
      1,
      "Session ID unknown",
    );
  });

  test("a WebSocket client that stops answering pings is closed: ping timeout", async () => {
    const c = await openWs(base(), "transport=websocket");
    const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as { sid: string };
    expect((await frame(c, 1)).data).toBe("2");
    expect(await closeOf(sid)).toBe("ping timeout");
    await c.closed;
  });

  test("a polling client that answers its pings stays open", async () => {
    const { open } = await handshake(base());
    for (let i = 0; i < 3; i++) {
      const { status, body } = await get(base(), open.sid);
      expect({ status, body }).toEqual({ status: 200, body: "2" });
      expect(await post(base(), open.sid, "3")).toEqual({ status: 200, body: "ok" });
    }
    expect(
      server()
        .events()
        .filter((e) => e.sid === open.sid),
    ).toEqual([]);
  });

  test("a probe that never sends upgrade is closed after upgradeTimeout; polling goes on", async () => {
    const sid = await pollingSocket(base());
    const c = await openWs(base(), `transport=websocket&sid=${sid}`);
    c.ws.send("2probe");
    expect((await frame(c, 0)).data).toBe("3probe");
    await c.closed;
    expect(
      server()
        .events()
        .filter((e) => e.sid === sid),
    ).toEqual([]);
    expect(await post(base(), sid, '420["transport"]')).toEqual({ status: 200, body: "ok" });
    const packets = await getPackets(base(), sid, 1);
    expect(packets.filter((p) => p !== "2")).toEqual(['430["polling"]']);
  });
}

/** Run against a server of its own (SHUTDOWN): its last case closes it. */
export function shutdownCases(ctx: CaseContext): void {
  const { test, server, base, event } = ctx;
  test("io.close(): every socket disconnects, every session closes, the callback runs", async () => {
    const polling = await pollingSocket(base());
    const pending = get(base(), polling);
    const c = await openWs(base(), "transport=websocket");
    const { sid } = JSON.parse(((await frame(c, 0)).data as string).slice(1)) as { sid: string };
    c.ws.send("40");
    await frame(c, 1);
    c.ws.send('42["shutdown"]');
    await c.closed;
    expect((await pending).status).toBe(200);
    await event((e) => e.type === "closed", "io.close()'s callback");
    const ended = server()
      .events()
      .filter((e) => e.type === "close" || e.type === "disconnect")
      .map((e) => `${e.type}: ${e.reason}`)
      .sort();
    expect(ended).toEqual([
      "close: forced close",
      "close: forced close",
      "disconnect: server shutting down",
      "disconnect: server shutting down",
    ]);
    expect(
      server()
        .events()
        .some((e) => e.sid === sid),
    ).toBe(true);
  });
}
