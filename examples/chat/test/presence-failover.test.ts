import { io as connect, type Socket } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServer } from "../../../test/support/server-process.js";
import { type RunningChat, startChatServer } from "../src/chat-server.js";
import type { ClientToServerEvents, Result, ServerToClientEvents } from "../src/events.js";
import { RedisHistoryStore } from "../src/history/redis-store.js";
import { CHAT_SERVER } from "./support/browser.js";
import { REDIS_URL, requireRedis, uniquePrefix } from "./support/redis.js";

// Two chat instances on Redis: the survivor in this process, the other a child process
// killed with SIGKILL. Its people must leave the survivor's member lists once the adapter's
// liveness declares it dead: the chat's presence is @parley/server's, which drops a dead
// server's members (its own fetchSockets-based code never told anyone). Bounded waits only.

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const canRun = await requireRedis("the chat's presence failover test");

describe.skipIf(!canRun)("chat presence when an instance dies", () => {
  const keyPrefix = uniquePrefix("presence-failover");
  const clients: ClientSocket[] = [];
  let survivor: RunningChat | undefined;
  let victim: ServerProcess | undefined;

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await victim?.kill();
    await survivor?.close();
    const store = new RedisHistoryStore({ url: REDIS_URL, keyPrefix });
    await store.clear();
    await store.close();
  });

  async function user(url: string, nick: string): Promise<ClientSocket> {
    const socket: ClientSocket = connect(url, {
      auth: { nick },
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    });
    clients.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    return socket;
  }

  it("drops the dead instance's people from the survivor's member list", async () => {
    const store = new RedisHistoryStore({ url: REDIS_URL, keyPrefix });
    await store.connect();
    survivor = await startChatServer({
      port: 0,
      host: "127.0.0.1",
      store,
      redisUrl: REDIS_URL,
      keyPrefix,
      messageBurst: 50,
      messagesPerSecond: 1,
      publicDir: "/nonexistent",
      bundleDir: "/nonexistent",
      log: () => {},
    });
    victim = await startServer(CHAT_SERVER, { REDIS_URL, CHAT_KEY_PREFIX: keyPrefix });
    expect(victim.output()).toMatch(/redis-adapter/);

    const ada = await user(`http://127.0.0.1:${survivor.port}`, "ada");
    let adaSees: string[] = [];
    ada.on("presence:update", (room, members) => {
      if (room === "failover") adaSees = members;
    });
    const joined: Result<{ members: string[] }> = await ada
      .timeout(5_000)
      .emitWithAck("room:join", "failover");
    expect(joined.ok).toBe(true);
    const bob = await user(victim.url, "bob");
    const bobJoined: Result<unknown> = await bob
      .timeout(5_000)
      .emitWithAck("room:join", "failover");
    expect(bobJoined.ok).toBe(true);
    await expect.poll(() => adaSees, { timeout: 10_000 }).toEqual(["ada", "bob"]);

    await victim.kill();
    // Within the adapter's liveness timeout (1.2 s by default); the bound is a safety net.
    await expect.poll(() => adaSees, { timeout: 15_000 }).toEqual(["ada"]);
    const again: Result<{ members: string[] }> = await ada
      .timeout(5_000)
      .emitWithAck("room:join", "failover");
    expect(again.ok && again.value.members).toEqual(["ada"]);
  });
});
