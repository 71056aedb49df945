import { createClient } from "redis";
import type { ChatMessage } from "../events.js";
import {
  type AppendResult,
  HISTORY_DEFAULTS,
  type HistoryOptions,
  type HistoryStore,
  parseMessage,
} from "./store.js";

type RedisClient = ReturnType<typeof createClient>;

export interface RedisHistoryOptions extends HistoryOptions {
  url: string;
  /** Prepended to every key, so several chats (or test runs) can share one Redis. */
  keyPrefix?: string;
}

/**
 * Rooms and history in Redis, shared by every chat instance using the same URL and prefix.
 *
 * Layout: `<prefix>rooms` is a set of room names; `<prefix>history:<room>` a list of JSON
 * messages, newest last, trimmed to `limit` in the same MULTI as the push so readers never see
 * it longer; `<prefix>dedupe:<key>` holds the first message sent under a retry key, with a TTL.
 */
export class RedisHistoryStore implements HistoryStore {
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #limit: number;
  readonly #dedupeWindowMs: number;
  readonly #defaultRooms: readonly string[];
  #ready: Promise<void> | undefined;
  #closed = false;

  constructor(options: RedisHistoryOptions) {
    this.#prefix = options.keyPrefix ?? "parley-chat:";
    this.#limit = options.limit ?? HISTORY_DEFAULTS.limit;
    this.#dedupeWindowMs = options.dedupeWindowMs ?? HISTORY_DEFAULTS.dedupeWindowMs;
    this.#defaultRooms = options.defaultRooms ?? HISTORY_DEFAULTS.defaultRooms;
    // No endless reconnect loop at startup: a wrong URL should fail fast and say so.
    this.#client = createClient({
      url: options.url,
      socket: {
        connectTimeout: 2_000,
        reconnectStrategy: (retries) => Math.min(retries * 100, 2_000),
      },
    });
    // node-redis emits "error" on every failed reconnect; without a listener that would crash
    // the process. The failing command itself rejects and is reported where it was awaited.
    this.#client.on("error", () => {});
  }

  /** Connects and seeds the default rooms; other methods call it, so calling it is optional. */
  connect(): Promise<void> {
    // A closed store stays closed: a late caller must not silently open a new connection.
    if (this.#closed) return Promise.reject(new Error("RedisHistoryStore is closed"));
    this.#ready ??= (async () => {
      await this.#client.connect();
      if (this.#defaultRooms.length > 0) {
        await this.#client.sAdd(this.#key("rooms"), [...this.#defaultRooms]);
      }
    })();
    return this.#ready;
  }

  async append(message: ChatMessage, dedupeKey?: string): Promise<AppendResult> {
    await this.connect();
    const json = JSON.stringify(message);
    if (dedupeKey !== undefined) {
      const key = this.#key(`dedupe:${dedupeKey}`);
      const set = await this.#client.set(key, json, { NX: true, PX: this.#dedupeWindowMs });
      if (set === null) {
        const first = await this.#client.get(key);
        const earlier = first === null ? undefined : parseMessage(first);
        if (earlier !== undefined) return { message: earlier, duplicate: true };
      }
    }
    const listKey = this.#key(`history:${message.room}`);
    await this.#client
      .multi()
      .sAdd(this.#key("rooms"), message.room)
      .rPush(listKey, json)
      .lTrim(listKey, -this.#limit, -1)
      .exec();
    return { message, duplicate: false };
  }

  async recent(room: string): Promise<ChatMessage[]> {
    await this.connect();
    const raw = await this.#client.lRange(this.#key(`history:${room}`), -this.#limit, -1);
    const messages: ChatMessage[] = [];
    for (const json of raw) {
      const message = parseMessage(json);
      if (message !== undefined) messages.push(message);
    }
    return messages;
  }

  async addRoom(room: string): Promise<void> {
    await this.connect();
    await this.#client.sAdd(this.#key("rooms"), room);
  }

  async rooms(): Promise<string[]> {
    await this.connect();
    return (await this.#client.sMembers(this.#key("rooms"))).sort();
  }

  async forgetRoom(room: string): Promise<void> {
    if (this.#defaultRooms.includes(room)) return;
    await this.connect();
    await this.#client
      .multi()
      .sRem(this.#key("rooms"), room)
      .del(this.#key(`history:${room}`))
      .exec();
  }

  /** Deletes every key under this store's prefix: for tests and for resetting a demo. */
  async clear(): Promise<void> {
    await this.connect();
    const keys: string[] = [];
    for await (const batch of this.#client.scanIterator({
      MATCH: `${this.#prefix}*`,
      COUNT: 100,
    })) {
      keys.push(...batch);
    }
    if (keys.length > 0) await this.#client.del(keys);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#ready === undefined) return;
    await this.#ready.catch(() => {});
    if (this.#client.isOpen) await this.#client.close();
  }

  #key(suffix: string): string {
    return `${this.#prefix}${suffix}`;
  }
}
