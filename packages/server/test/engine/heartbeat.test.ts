import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type HeartbeatTarget, HeartbeatWheel } from "../../src/engine/index.js";
import {
  collect,
  delay,
  nextConnection,
  once,
  pollingHandshake,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

afterEach(runCleanups);

function target(onDue: () => void): HeartbeatTarget {
  return { heartbeatTick: -1, onHeartbeatDue: onDue };
}

describe("HeartbeatWheel (one shared timer)", () => {
  it("fires targets no earlier than their delay, in deadline order", async () => {
    const wheel = new HeartbeatWheel(5);
    const fired: string[] = [];
    const start = performance.now();
    const at: Record<string, number> = {};
    const a = target(() => {
      fired.push("a");
      at.a = performance.now() - start;
    });
    const b = target(() => {
      fired.push("b");
      at.b = performance.now() - start;
    });
    wheel.schedule(b, 60);
    wheel.schedule(a, 20);
    expect(wheel.size).toBe(2);
    await until(() => fired.length === 2);
    expect(fired).toEqual(["a", "b"]);
    expect(at.a).toBeGreaterThanOrEqual(20);
    expect(at.b).toBeGreaterThanOrEqual(60);
    expect(wheel.size).toBe(0);
    wheel.clear();
  });

  it("rescheduling moves a target; cancel removes it", async () => {
    const wheel = new HeartbeatWheel(5);
    let fired = 0;
    const t = target(() => fired++);
    wheel.schedule(t, 20);
    wheel.schedule(t, 80);
    expect(wheel.size).toBe(1);
    await delay(50);
    expect(fired).toBe(0);
    wheel.cancel(t);
    expect(t.heartbeatTick).toBe(-1);
    await delay(60);
    expect(fired).toBe(0);
    wheel.clear();
  });

  it("a target that throws does not stop the others", async () => {
    const wheel = new HeartbeatWheel(5);
    let ok = 0;
    wheel.schedule(
      target(() => {
        throw new Error("x");
      }),
      10,
    );
    wheel.schedule(
      target(() => ok++),
      10,
    );
    await until(() => ok === 1);
    wheel.clear();
  });

  it("tickFor groups deadlines by a few milliseconds at most", () => {
    expect(HeartbeatWheel.tickFor(25_000, 20_000)).toBe(4);
    expect(HeartbeatWheel.tickFor(50, 40)).toBe(2);
    expect(HeartbeatWheel.tickFor(10)).toBe(1);
  });

  it("fires on time at the default intervals' resolution (no whole-tick step added)", async () => {
    // At pingInterval 25 s / pingTimeout 20 s the old wheel ticked once a second and added a
    // step per schedule: a 100 ms deadline fired after about 2 s.
    const wheel = new HeartbeatWheel(HeartbeatWheel.tickFor(25_000, 20_000));
    let firedAt = 0;
    const start = performance.now();
    wheel.schedule(
      target(() => {
        firedAt = performance.now();
      }),
      100,
    );
    // Generous bound, far below the old lateness: fired, and not early.
    await until(() => firedAt !== 0, 1000);
    expect(firedAt - start).toBeGreaterThanOrEqual(100);
    wheel.clear();
  });

  it("a target cancelled and rescheduled into the same bucket fires once", async () => {
    const wheel = new HeartbeatWheel(4);
    let fired = 0;
    const t = target(() => fired++);
    wheel.schedule(t, 30);
    wheel.cancel(t);
    wheel.schedule(t, 30);
    wheel.schedule(t, 30);
    expect(wheel.size).toBe(1);
    await until(() => fired === 1);
    await delay(30);
    expect(fired).toBe(1);
    expect(wheel.size).toBe(0);
    wheel.clear();
  });

  it("an earlier deadline re-arms the timer; many targets share buckets", async () => {
    const wheel = new HeartbeatWheel(4);
    const order: number[] = [];
    for (let i = 0; i < 1000; i++)
      wheel.schedule(
        target(() => order.push(i)),
        200 + (i % 50),
      );
    wheel.schedule(
      target(() => order.push(-1)),
      10,
    );
    expect(wheel.size).toBe(1001);
    await until(() => order.length === 1001);
    expect(order[0]).toBe(-1);
    expect(wheel.size).toBe(0);
    wheel.clear();
  });
});

describe("server-driven heartbeat", () => {
  it("websocket: sends 2 every pingInterval; answering 3 keeps the session and emits heartbeat", async () => {
    const h = await startEngine({ pingInterval: 50, pingTimeout: 100 });
    const conn = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const frames = collect<Buffer>(ws, "message");
    ws.on("message", (d: Buffer) => {
      if (d.toString() === "2") ws.send("3");
    });
    const c = await conn;
    let beats = 0;
    c.on("heartbeat", () => beats++);
    await until(() => beats >= 3);
    expect(frames.filter((f) => f.toString() === "2").length).toBeGreaterThanOrEqual(3);
    expect(c.readyState).toBe("open");
    ws.close();
  });

  it("websocket: no pong within pingTimeout → ping timeout", async () => {
    const h = await startEngine({ pingInterval: 40, pingTimeout: 60 });
    const conn = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const c = await conn;
    expect(await once(c, "close")).toBe("ping timeout");
    expect(h.engine.clientsCount).toBe(0);
    await once(ws, "close");
  });

  it("polling: the ping is delivered on GET and a POSTed pong keeps the session", async () => {
    const h = await startEngine({ pingInterval: 50, pingTimeout: 150 });
    const conn = nextConnection(h.engine);
    const { sid } = await pollingHandshake(h);
    const c = await conn;
    const url = h.url(`transport=polling&sid=${sid}`);
    for (let i = 0; i < 3; i++) {
      expect(await (await fetch(url)).text()).toBe("2");
      expect((await fetch(url, { method: "POST", body: "3" })).status).toBe(200);
    }
    expect(c.readyState).toBe("open");
  });

  it("polling: a client that stops polling times out", async () => {
    const h = await startEngine({ pingInterval: 30, pingTimeout: 50 });
    const conn = nextConnection(h.engine);
    await pollingHandshake(h);
    expect(await once(await conn, "close")).toBe("ping timeout");
  });

  it("traffic while a pong is due extends the deadline once, as engine.io does", async () => {
    const h = await startEngine({ pingInterval: 30, pingTimeout: 120 });
    const conn = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const c = await conn;
    const pinged = new Promise<number>((resolve) =>
      ws.on("message", (d: Buffer) => {
        if (d.toString() === "2") resolve(performance.now());
      }),
    );
    const pingAt = await pinged;
    await delay(80);
    ws.send("4still here");
    const reason = await once(c, "close");
    expect(reason).toBe("ping timeout");
    // Closed after the extended deadline (message time + pingTimeout), not the original one.
    expect(performance.now() - pingAt).toBeGreaterThanOrEqual(80 + 120 - 10);
  });
});

describe("a pong overdue when the next request comes", () => {
  it("ends the session at the request, even before the shared timer (rounded up to its tick) fires", async () => {
    const h = await startEngine({ pingInterval: 60, pingTimeout: 40 });
    const conn = nextConnection(h.engine);
    const { sid } = await pollingHandshake(h);
    const c = await conn;
    const reasons = collect<string>(c, "close");
    const pinged = new Promise<number>((resolve) =>
      c.on("packetCreate", (p) => {
        if (p.type === "ping") resolve(performance.now());
      }),
    );
    const pingAt = await pinged;
    // Synchronously past the deadline: the wheel's timer cannot have run, so only the
    // request-time check can see the pong is overdue. Then a request naming the session.
    while (performance.now() < pingAt + 41) {
      // busy-wait, on purpose: no timer may run in between
    }
    const session = h.engine.clients.get(sid) as unknown as { _expireIfOverdue(): boolean };
    expect(session._expireIfOverdue()).toBe(true);
    expect(reasons).toEqual(["ping timeout"]);
    expect((await fetch(h.url(`transport=polling&sid=${sid}`))).status).toBe(400);
  });

  it("the pong is due pingTimeout after the ping was due, not after the timer's late tick", async () => {
    const h = await startEngine({ pingInterval: 60, pingTimeout: 40 });
    let openedAt = 0;
    h.engine.once("connection", () => {
      openedAt = performance.now();
    });
    const conn = nextConnection(h.engine);
    const { sid } = await pollingHandshake(h);
    const c = await conn;
    const pinged = new Promise<number>((resolve) =>
      c.on("packetCreate", (p) => {
        if (p.type === "ping") resolve(performance.now());
      }),
    );
    const busyUntil = (t: number) => {
      while (performance.now() < t) {
        // busy-wait, on purpose: no timer may run in between
      }
    };
    // Hold the event loop past the ping's due time, so the shared timer sends it late.
    busyUntil(openedAt + 61);
    const pingAt = await pinged;
    // Due by now: 40 ms after the ping was due (at most openedAt + 100), or, for a ping later
    // than one tick (2 ms here), 40 ms less that tick after it was sent.
    busyUntil(Math.max(openedAt + 100, pingAt + 38) + 0.5);
    const session = h.engine.clients.get(sid) as unknown as { _expireIfOverdue(): boolean };
    expect(session._expireIfOverdue()).toBe(true);
  });

  it("leaves a session whose pong is not yet due alone", async () => {
    const h = await startEngine({ pingInterval: 60, pingTimeout: 10_000 });
    const conn = nextConnection(h.engine);
    const { sid } = await pollingHandshake(h);
    const c = await conn;
    await new Promise<void>((resolve) =>
      c.on("packetCreate", (p) => {
        if (p.type === "ping") resolve();
      }),
    );
    const session = h.engine.clients.get(sid) as unknown as { _expireIfOverdue(): boolean };
    expect(session._expireIfOverdue()).toBe(false);
    expect(c.readyState).toBe("open");
  });
});
