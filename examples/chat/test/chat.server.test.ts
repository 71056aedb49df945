import { io as connect, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningChat, startChatServer } from "../src/chat-server.js";
import type {
  ClientToServerEvents,
  JoinedRoom,
  Result,
  RoomInfo,
  ServerToClientEvents,
} from "../src/events.js";
import { MemoryHistoryStore } from "../src/history/memory-store.js";
import { RedisHistoryStore } from "../src/history/redis-store.js";
import type { HistoryStore } from "../src/history/store.js";
import { LIMITS } from "../src/validation.js";
import { REDIS_URL, requireRedis, uniquePrefix } from "./support/redis.js";

/**
 * The server's own checks, driven by the official socket.io-client: a page can be bypassed, so
 * every rule the page enforces must hold again on the server.
 */
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const servers: RunningChat[] = [];
const clients: ClientSocket[] = [];

/** Redis key prefixes to delete once the servers using them are closed. */
const redisPrefixes: string[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const server of servers.splice(0)) await server.close();
  for (const keyPrefix of redisPrefixes.splice(0)) {
    const store = new RedisHistoryStore({ url: REDIS_URL, keyPrefix });
    await store.clear();
    await store.close();
  }
});

async function start(
  options: { store?: HistoryStore; burst?: number; redisUrl?: string; keyPrefix?: string } = {},
): Promise<RunningChat> {
  const chat = await startChatServer({
    port: 0,
    host: "127.0.0.1",
    store: options.store ?? new MemoryHistoryStore(),
    redisUrl: options.redisUrl,
    keyPrefix: options.keyPrefix ?? uniquePrefix("server"),
    messageBurst: options.burst ?? 50,
    messagesPerSecond: 1,
    publicDir: "/nonexistent",
    bundleDir: "/nonexistent",
    log: () => {},
  });
  servers.push(chat);
  return chat;
}

function client(chat: RunningChat, auth: Record<string, unknown>): ClientSocket {
  const socket: ClientSocket = connect(`http://127.0.0.1:${chat.port}`, {
    auth,
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  clients.push(socket);
  return socket;
}

async function connected(chat: RunningChat, nick: string): Promise<ClientSocket> {
  const socket = client(chat, { nick });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  return socket;
}

function send(socket: ClientSocket, room: string, text: unknown, clientId = randomId()) {
  return socket.timeout(5_000).emitWithAck("message:send", { room, text, clientId } as {
    room: string;
    text: string;
    clientId: string;
  });
}

function join(socket: ClientSocket, room: string): Promise<Result<JoinedRoom>> {
  return socket.timeout(5_000).emitWithAck("room:join", room);
}

function randomId(): string {
  return Math.random().toString(36).slice(2).padEnd(12, "0");
}

describe("chat server rules", () => {
  it("refuses a connection without a valid nickname, with the reason in connect_error", async () => {
    const chat = await start();
    for (const auth of [{}, { nick: "" }, { nick: "x".repeat(LIMITS.nickMax + 1) }, { nick: 7 }]) {
      const socket = client(chat, auth);
      const err = await new Promise<Error & { data?: unknown }>((resolve) =>
        socket.once("connect_error", resolve),
      );
      expect(err.data).toMatchObject({ code: "NICK_INVALID" });
      expect(err.message.length).toBeGreaterThan(0);
    }
  });

  it("checks every message again on the server and keeps serving after bad input", async () => {
    const chat = await start();
    const socket = await connected(chat, "ada");
    expect(await send(socket, "general", "too early")).toMatchObject({
      ok: false,
      error: { code: "NOT_IN_ROOM" },
    });
    const joined = await socket.timeout(5_000).emitWithAck("room:join", "general");
    expect(joined).toMatchObject({ ok: true, value: { room: "general", members: ["ada"] } });

    expect(await send(socket, "general", "x".repeat(LIMITS.messageMax + 1))).toMatchObject({
      ok: false,
      error: { code: "MESSAGE_TOO_LONG" },
    });
    expect(await send(socket, "general", 12)).toMatchObject({
      ok: false,
      error: { code: "MESSAGE_INVALID" },
    });
    expect(await send(socket, "Not A Room!", "hi")).toMatchObject({
      ok: false,
      error: { code: "ROOM_INVALID" },
    });
    const raw = socket as unknown as {
      timeout(ms: number): { emitWithAck(...a: unknown[]): Promise<unknown> };
    };
    expect(await raw.timeout(5_000).emitWithAck("message:send", "just a string")).toMatchObject({
      ok: false,
      error: { code: "MESSAGE_INVALID" },
    });
    // No ack at all: nothing to answer, and nothing breaks.
    (socket as unknown as { emit(...a: unknown[]): void }).emit("room:join", "general");
    expect(await send(socket, "general", "still here")).toMatchObject({ ok: true });
  });

  it("delivers a retried message once: same id, one broadcast, one history entry", async () => {
    const chat = await start();
    const sender = await connected(chat, "ada");
    const reader = await connected(chat, "bob");
    await sender.timeout(5_000).emitWithAck("room:join", "general");
    await reader.timeout(5_000).emitWithAck("room:join", "general");
    const seen: string[] = [];
    reader.on("message:new", (m) => seen.push(m.text));

    const first = await send(sender, "general", "only once", "retry-key-0001");
    const again = await send(sender, "general", "only once", "retry-key-0001");
    expect(first.ok && again.ok).toBe(true);
    if (first.ok && again.ok) expect(again.value.id).toBe(first.value.id);
    await send(sender, "general", "marker");
    await expect.poll(() => seen).toEqual(["only once", "marker"]);

    const late = await connected(chat, "cy");
    const history = await join(late, "general");
    expect(history.ok && history.value.history.map((m) => m.text)).toEqual(["only once", "marker"]);
  });

  it("rate-limits per nickname and says when to retry", async () => {
    const chat = await start({ burst: 3 });
    const tab1 = await connected(chat, "flood");
    const tab2 = await connected(chat, "flood");
    const other = await connected(chat, "calm");
    for (const s of [tab1, tab2, other]) await s.timeout(5_000).emitWithAck("room:join", "general");
    expect((await send(tab1, "general", "1")).ok).toBe(true);
    expect((await send(tab2, "general", "2")).ok).toBe(true);
    expect((await send(tab1, "general", "3")).ok).toBe(true);
    // A second tab does not double the allowance: the bucket belongs to the nickname.
    const limited = await send(tab2, "general", "4");
    expect(limited).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    if (!limited.ok) expect(limited.error.retryAfterMs).toBeGreaterThan(0);
    expect((await send(other, "general", "unaffected")).ok).toBe(true);
  });

  it("tells room members who is typing, but not the typist", async () => {
    const chat = await start();
    const ada = await connected(chat, "ada");
    const bob = await connected(chat, "bob");
    await ada.timeout(5_000).emitWithAck("room:join", "general");
    await bob.timeout(5_000).emitWithAck("room:join", "general");
    const seenByBob: string[] = [];
    const seenByAda: string[] = [];
    bob.on("typing:update", (room, nick, typing) => seenByBob.push(`${room}:${nick}:${typing}`));
    ada.on("typing:update", (room, nick, typing) => seenByAda.push(`${room}:${nick}:${typing}`));
    ada.emit("typing", "general", true);
    ada.emit("typing", "random", true); // not a member there: ignored
    ada.emit("typing", "general", false);
    await expect.poll(() => seenByBob).toEqual(["general:ada:true", "general:ada:false"]);
    expect(seenByAda).toEqual([]);
  });

  it("shares history between two instances through the Redis store", async ({ skip }) => {
    if (!(await requireRedis("the two-instance Redis history test"))) skip();
    const keyPrefix = uniquePrefix("two-instances");
    redisPrefixes.push(keyPrefix);
    const storeA = new RedisHistoryStore({ url: REDIS_URL, keyPrefix });
    const storeB = new RedisHistoryStore({ url: REDIS_URL, keyPrefix });
    const a = await start({ store: storeA, redisUrl: REDIS_URL, keyPrefix });
    const b = await start({ store: storeB, redisUrl: REDIS_URL, keyPrefix });
    {
      const onA = await connected(a, "ada");
      await onA.timeout(5_000).emitWithAck("room:join", "shared-room");
      expect((await send(onA, "shared-room", "written on A")).ok).toBe(true);
      const onB = await connected(b, "bob");
      const joined = await join(onB, "shared-room");
      expect(joined.ok && joined.value.history.map((m) => `${m.nick}: ${m.text}`)).toEqual([
        "ada: written on A",
      ]);
      const rooms: Result<RoomInfo[]> = await onB.timeout(5_000).emitWithAck("room:list");
      expect(rooms.ok && rooms.value.map((r) => r.name)).toContain("shared-room");
    }
  });

  it("with @parley/redis-adapter, shares live messages and presence across two instances", async ({
    skip,
  }) => {
    if (!(await requireRedis("the two-instance cluster test"))) skip();
    const keyPrefix = uniquePrefix("cluster");
    redisPrefixes.push(keyPrefix);
    const storeA = new RedisHistoryStore({ url: REDIS_URL, keyPrefix });
    const a = await start({ store: storeA, redisUrl: REDIS_URL, keyPrefix });
    if (a.cluster.mode !== "redis-adapter") {
      console.warn(
        "\n!!! SKIPPING the cluster test: @parley/redis-adapter does not export createAdapter yet.\n",
      );
      skip();
    }
    const b = await start({
      store: new RedisHistoryStore({ url: REDIS_URL, keyPrefix }),
      redisUrl: REDIS_URL,
      keyPrefix,
    });
    {
      const ada = await connected(a, "ada");
      const bob = await connected(b, "bob");
      let adaSees: string[] = [];
      ada.on("presence:update", (room, members) => {
        if (room === "cluster-room") adaSees = members;
      });
      await join(ada, "cluster-room");
      // Presence is a replica on each instance: bob's view is the join's member list, then
      // every presence:update; it holds both once A's news has reached B (usually already).
      let bobSees: string[] = [];
      bob.on("presence:update", (room, members) => {
        if (room === "cluster-room") bobSees = members;
      });
      const joined = await join(bob, "cluster-room");
      if (joined.ok && bobSees.length === 0) bobSees = joined.value.members;
      await expect.poll(() => bobSees).toEqual(["ada", "bob"]);
      // And ada, on A, is told bob arrived on B.
      await expect.poll(() => adaSees).toEqual(["ada", "bob"]);
      const received: string[] = [];
      bob.on("message:new", (m) => received.push(`${m.nick}: ${m.text}`));
      expect((await send(ada, "cluster-room", "across instances")).ok).toBe(true);
      await expect.poll(() => received).toEqual(["ada: across instances"]);
    }
  });
});
