import type { Socket as ClientSocket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { RateLimitedError, type RateLimitInfo, type Socket } from "../../src/index.js";
import { type Harness, next, startServer, until } from "../helpers.js";

let h: Harness | undefined;
const peers: WebSocket[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.terminate();
  await h?.close();
  h = undefined;
});

/** One token per ~17 minutes: within a test, a bucket holds exactly its burst. */
const NO_REFILL = 0.001;

type Reply = { ok: number } | { error: RateLimitInfo };

function emitAck(socket: ClientSocket, event: string, value: number): Promise<Reply> {
  return new Promise((resolve) => socket.emit(event, value, (reply: Reply) => resolve(reply)));
}

async function connected(socket: ClientSocket): Promise<ClientSocket> {
  if (!socket.connected) await next(socket, "connect");
  return socket;
}

/** Acks every `echo` and `ping` with `{ ok: value }`, and counts what each socket's handlers saw. */
function echoServer(io: Harness["io"]): Map<string, number> {
  const handled = new Map<string, number>();
  io.on("connection", (socket: Socket) => {
    const count = () => handled.set(socket.id, (handled.get(socket.id) ?? 0) + 1);
    for (const event of ["echo", "ping", "chat"]) {
      socket.on(event, (value: number, ack?: (r: Reply) => void) => {
        count();
        ack?.({ ok: value });
      });
    }
  });
  return handled;
}

describe("per-socket event limits", () => {
  it("a flooding client gets error acks and one rate_limited notice; a well-behaved client on the same server gets every answer", async () => {
    h = await startServer({ rateLimit: { events: { rate: NO_REFILL, burst: 5 } } });
    const handled = echoServer(h.io);
    let seenByAny = 0;
    let seenByMiddleware = 0;
    h.io.on("connection", (s) => {
      s.onAny(() => seenByAny++);
      s.use((_event, next) => {
        seenByMiddleware++;
        next();
      });
    });
    const flooder = await connected(h.client("/", { transports: ["websocket"] }));
    const polite = await connected(h.client("/", { transports: ["polling"] }));
    const notices: RateLimitInfo[] = [];
    flooder.on("rate_limited", (info: RateLimitInfo) => notices.push(info));

    const flood = Array.from({ length: 60 }, (_, i) => emitAck(flooder, "echo", i));
    const calm = Array.from({ length: 5 }, (_, i) => emitAck(polite, "echo", 100 + i));
    const [floodReplies, calmReplies] = await Promise.all([Promise.all(flood), Promise.all(calm)]);

    expect(calmReplies).toEqual([100, 101, 102, 103, 104].map((ok) => ({ ok })));
    // The first five went through, in order; every later one was refused with a stable error.
    expect(floodReplies.slice(0, 5)).toEqual([0, 1, 2, 3, 4].map((ok) => ({ ok })));
    for (const reply of floodReplies.slice(5)) {
      expect(reply).toEqual({
        error: {
          code: "RATE_LIMITED",
          scope: "socket",
          event: "echo",
          retryAfterMs: expect.any(Number),
        },
      });
      expect((reply as { error: RateLimitInfo }).error.retryAfterMs).toBeGreaterThan(0);
    }
    expect(handled.get(flooder.id as string)).toBe(5);
    expect(handled.get(polite.id as string)).toBe(5);
    // Refused events never reached onAny either.
    expect(seenByAny).toBe(10);
    expect(seenByMiddleware).toBe(10);
    // "notify": one notice for the limited stretch, not one per refused event.
    await until(() => notices.length === 1, "the rate_limited notice");
    expect(notices[0]).toMatchObject({ code: "RATE_LIMITED", scope: "socket", event: "echo" });
    expect(flooder.connected).toBe(true);
  });

  it("a raw WebSocket flooding without acks has its events dropped; the other client's acks all arrive", async () => {
    const limited: RateLimitInfo[] = [];
    h = await startServer({
      rateLimit: {
        events: { rate: NO_REFILL, burst: 5 },
        onLimited: (_s, info) => limited.push(info),
      },
    });
    const handled = echoServer(h.io);
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=websocket`);
    peers.push(ws);
    const frames: string[] = [];
    ws.on("message", (data) => {
      const frame = data.toString();
      if (frame === "2") ws.send("3");
      else frames.push(frame);
    });
    await until(() => frames.some((f) => f.startsWith("0{")), "open");
    ws.send("40");
    await until(() => frames.some((f) => f.startsWith("40{")), "CONNECT");
    const polite = await connected(h.client("/", { transports: ["websocket"] }));
    for (let i = 0; i < 2000; i++) ws.send(`42["echo",${i}]`);
    const calm = await Promise.all(Array.from({ length: 5 }, (_, i) => emitAck(polite, "ping", i)));
    expect(calm).toEqual(Array.from({ length: 5 }, (_, ok) => ({ ok })));
    await until(() => limited.length === 1995, "every refused event reported");
    const rawId = [...handled.keys()].find((id) => id !== polite.id) as string;
    expect(handled.get(rawId)).toBe(5);
    await until(() => frames.some((f) => f.startsWith('42["rate_limited"')), "notice");
    expect(frames.filter((f) => f.startsWith('42["rate_limited"'))).toHaveLength(1);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it("perEvent limits one event name and leaves the others alone", async () => {
    h = await startServer({
      rateLimit: { events: { perEvent: { chat: { rate: NO_REFILL, burst: 2 } } } },
    });
    echoServer(h.io);
    const client = await connected(h.client("/", { transports: ["websocket"] }));
    const chats = await Promise.all([0, 1, 2, 3].map((i) => emitAck(client, "chat", i)));
    expect(chats.slice(0, 2)).toEqual([{ ok: 0 }, { ok: 1 }]);
    expect(chats[2]).toMatchObject({
      error: { code: "RATE_LIMITED", scope: "event", event: "chat" },
    });
    const pings = await Promise.all(
      Array.from({ length: 30 }, (_, i) => emitAck(client, "ping", i)),
    );
    expect(pings).toEqual(Array.from({ length: 30 }, (_, ok) => ({ ok })));
  });

  it("an event must find a token in both the socket's bucket and its name's bucket", async () => {
    h = await startServer({
      rateLimit: {
        events: { rate: NO_REFILL, burst: 4, perEvent: { chat: { rate: NO_REFILL, burst: 1 } } },
      },
    });
    echoServer(h.io);
    const client = await connected(h.client("/", { transports: ["websocket"] }));
    const replies = [
      await emitAck(client, "chat", 0),
      await emitAck(client, "chat", 1),
      await emitAck(client, "ping", 2),
      await emitAck(client, "ping", 3),
      await emitAck(client, "ping", 4),
      await emitAck(client, "ping", 5),
    ];
    expect(replies.map((r) => ("ok" in r ? "ok" : r.error.scope))).toEqual([
      "ok",
      "event",
      "ok",
      "ok",
      "ok",
      "socket",
    ]);
  });

  it('policy "drop": error acks, and no rate_limited event', async () => {
    h = await startServer({
      rateLimit: { policy: "drop", events: { perEvent: { chat: { rate: NO_REFILL, burst: 1 } } } },
    });
    echoServer(h.io);
    const client = await connected(h.client("/", { transports: ["websocket"] }));
    let notices = 0;
    client.on("rate_limited", () => notices++);
    expect(await emitAck(client, "chat", 0)).toEqual({ ok: 0 });
    client.emit("chat", 1); // refused without an ack: dropped
    expect(await emitAck(client, "chat", 2)).toMatchObject({ error: { code: "RATE_LIMITED" } });
    // The server answers in order: a notice would have come before this ack.
    expect(await emitAck(client, "ping", 3)).toEqual({ ok: 3 });
    expect(notices).toBe(0);
  });

  it('policy "disconnect": the client is told why, then disconnected; the server sees a RateLimitedError', async () => {
    h = await startServer({
      rateLimit: { policy: "disconnect", events: { rate: NO_REFILL, burst: 2 } },
    });
    echoServer(h.io);
    const reasons: unknown[][] = [];
    h.io.on("connection", (s) => s.on("disconnect", (...args) => reasons.push(args)));
    const client = await connected(h.client("/", { transports: ["websocket"] }));
    const order: string[] = [];
    client.on("rate_limited", (info: RateLimitInfo) => order.push(`rate_limited:${info.scope}`));
    client.on("disconnect", (reason) => order.push(`disconnect:${reason}`));
    expect(await emitAck(client, "echo", 0)).toEqual({ ok: 0 });
    expect(await emitAck(client, "echo", 1)).toEqual({ ok: 1 });
    // The refused event's ack comes first, then the notice, then the DISCONNECT.
    expect(await emitAck(client, "echo", 2)).toMatchObject({ error: { code: "RATE_LIMITED" } });
    await until(() => order.length === 2, "notice and disconnect");
    expect(order).toEqual(["rate_limited:socket", "disconnect:io server disconnect"]);
    await until(() => reasons.length === 1, "server-side disconnect");
    expect(reasons[0]?.[0]).toBe("server namespace disconnect");
    expect(reasons[0]?.[1]).toBeInstanceOf(RateLimitedError);
    expect((reasons[0] as unknown[])[1]).toMatchObject({ code: "RATE_LIMITED" });
  });

  it("the per-user limit (memory store) counts every socket of one identity together", async () => {
    h = await startServer({
      rateLimit: {
        users: {
          key: (s) => s.handshake.auth.user as string | undefined,
          limit: 3,
          windowMs: 600_000,
        },
      },
    });
    echoServer(h.io);
    const a = await connected(
      h.client("/", { transports: ["websocket"], auth: { user: "alice" } }),
    );
    const b = await connected(h.client("/", { transports: ["polling"], auth: { user: "alice" } }));
    const anon = await connected(h.client("/", { transports: ["websocket"] }));
    expect(await emitAck(a, "echo", 0)).toEqual({ ok: 0 });
    expect(await emitAck(b, "echo", 1)).toEqual({ ok: 1 });
    expect(await emitAck(a, "echo", 2)).toEqual({ ok: 2 });
    expect(await emitAck(b, "echo", 3)).toMatchObject({
      error: { code: "RATE_LIMITED", scope: "user" },
    });
    expect(await emitAck(a, "echo", 4)).toMatchObject({ error: { scope: "user" } });
    // A socket without an identity is not counted.
    const free = await Promise.all(Array.from({ length: 10 }, (_, i) => emitAck(anon, "echo", i)));
    expect(free.every((r) => "ok" in r)).toBe(true);
  });

  it("options are checked at construction", async () => {
    const { Server } = await import("../../src/index.js");
    expect(() => new Server({ rateLimit: { events: { rate: -1 } } })).toThrow(
      /rateLimit\.events\.rate/,
    );
    expect(
      () => new Server({ rateLimit: { policy: "ban" as "drop", events: { rate: 1 } } }),
    ).toThrow(/rateLimit\.policy/);
    expect(
      () => new Server({ rateLimit: { users: { key: () => "x", limit: 0, windowMs: 1000 } } }),
    ).toThrow(/rateLimit\.users\.limit/);
  });

  it("without rateLimit no limiter exists: sockets pay one undefined check", async () => {
    h = await startServer({});
    expect(h.io._rateLimiter).toBeUndefined();
  });
});
