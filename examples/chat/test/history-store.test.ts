import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage } from "../src/events.js";
import { MemoryHistoryStore } from "../src/history/memory-store.js";
import { RedisHistoryStore } from "../src/history/redis-store.js";
import type { HistoryStore } from "../src/history/store.js";
import { REDIS_URL, requireRedis, uniquePrefix } from "./support/redis.js";

let seq = 0;
function message(room: string, text: string, nick = "ada"): ChatMessage {
  seq++;
  return { id: `m${seq}`, room, nick, text, ts: 1_700_000_000_000 + seq, clientId: `c${seq}` };
}

interface Factory {
  name: string;
  available: () => Promise<boolean>;
  create: (options: { limit?: number; defaultRooms?: string[] }) => Promise<HistoryStore>;
}

const created: HistoryStore[] = [];

const factories: Factory[] = [
  {
    name: "MemoryHistoryStore",
    available: async () => true,
    create: async (options) => new MemoryHistoryStore(options),
  },
  {
    name: "RedisHistoryStore",
    available: () => requireRedis("the Redis history store tests"),
    create: async (options) => {
      const store = new RedisHistoryStore({
        url: REDIS_URL,
        keyPrefix: uniquePrefix("history"),
        ...options,
      });
      await store.connect();
      return store;
    },
  },
];

afterEach(async () => {
  for (const store of created.splice(0)) {
    if (store instanceof RedisHistoryStore) await store.clear();
    await store.close();
  }
});

describe.each(factories)("$name", (factory) => {
  let available = false;
  beforeAll(async () => {
    available = await factory.available();
  });

  async function make(options: { limit?: number; defaultRooms?: string[] } = {}) {
    const store = await factory.create(options);
    created.push(store);
    return store;
  }

  it("returns a room's messages oldest first, and nothing for an empty room", async ({ skip }) => {
    if (!available) skip();
    const store = await make();
    const a = message("general", "first");
    const b = message("general", "second");
    const other = message("random", "elsewhere");
    await store.append(a);
    await store.append(other);
    await store.append(b);
    expect(await store.recent("general")).toEqual([a, b]);
    expect(await store.recent("random")).toEqual([other]);
    expect(await store.recent("nobody-here")).toEqual([]);
  });

  it("keeps only the last `limit` messages of a room", async ({ skip }) => {
    if (!available) skip();
    const store = await make({ limit: 100 });
    const sent: ChatMessage[] = [];
    for (let i = 0; i < 250; i++) {
      const m = message("busy", `n${i}`);
      sent.push(m);
      await store.append(m);
    }
    const recent = await store.recent("busy");
    expect(recent).toHaveLength(100);
    expect(recent).toEqual(sent.slice(-100));
  });

  it("stores a retried message once and returns the first copy", async ({ skip }) => {
    if (!available) skip();
    const store = await make();
    const first = message("general", "hello");
    const retry = { ...first, id: "different-id", ts: first.ts + 5 };
    expect(await store.append(first, "ada\u0000k1")).toEqual({ message: first, duplicate: false });
    expect(await store.append(retry, "ada\u0000k1")).toEqual({ message: first, duplicate: true });
    // Another person's key is another message.
    const bob = { ...retry, id: "bob-msg", nick: "bob" };
    expect((await store.append(bob, "bob\u0000k1")).duplicate).toBe(false);
    expect((await store.recent("general")).map((m) => m.id)).toEqual([first.id, "bob-msg"]);
  });

  it("lists default rooms, created rooms and rooms with messages, sorted", async ({ skip }) => {
    if (!available) skip();
    const store = await make({ defaultRooms: ["general", "random"] });
    await store.addRoom("zeta");
    await store.addRoom("alpha");
    await store.append(message("music", "♪"));
    await store.addRoom("alpha");
    expect(await store.rooms()).toEqual(["alpha", "general", "music", "random", "zeta"]);
  });

  it("forgets a room and its history, but never a default room", async ({ skip }) => {
    if (!available) skip();
    const store = await make({ defaultRooms: ["general", "random"] });
    await store.append(message("music", "♪"));
    await store.append(message("general", "hi"));
    await store.forgetRoom("music");
    await store.forgetRoom("general");
    expect(await store.rooms()).toEqual(["general", "random"]);
    expect(await store.recent("music")).toEqual([]);
    expect((await store.recent("general")).length).toBe(1);
  });

  it("keeps text exactly, markup and non-ASCII included", async ({ skip }) => {
    if (!available) skip();
    const store = await make();
    const tricky = message("general", `<script>alert("x")</script> 回答 😀 \\ "quotes"`);
    await store.append(tricky);
    expect(await store.recent("general")).toEqual([tricky]);
  });
});

describe("RedisHistoryStore specifics", () => {
  it("is shared by two stores with the same prefix, and isolated from another prefix", async ({
    skip,
  }) => {
    if (!(await requireRedis("the Redis history sharing test"))) skip();
    const prefix = uniquePrefix("shared");
    const one = new RedisHistoryStore({ url: REDIS_URL, keyPrefix: prefix });
    const two = new RedisHistoryStore({ url: REDIS_URL, keyPrefix: prefix });
    const other = new RedisHistoryStore({ url: REDIS_URL, keyPrefix: uniquePrefix("other") });
    created.push(one, two, other);
    const m = message("general", "from instance one");
    await one.append(m);
    expect(await two.recent("general")).toEqual([m]);
    expect(await other.recent("general")).toEqual([]);
  });

  it("skips stored entries that are not messages instead of failing the whole read", async ({
    skip,
  }) => {
    if (!(await requireRedis("the Redis corrupt-entry test"))) skip();
    const { createClient } = await import("redis");
    const prefix = uniquePrefix("corrupt");
    const store = new RedisHistoryStore({ url: REDIS_URL, keyPrefix: prefix });
    created.push(store);
    const good = message("general", "fine");
    await store.append(good);
    const raw = createClient({ url: REDIS_URL });
    await raw.connect();
    try {
      await raw.rPush(`${prefix}history:general`, ["not json", JSON.stringify({ id: 1 })]);
    } finally {
      await raw.close();
    }
    expect(await store.recent("general")).toEqual([good]);
  });
});
