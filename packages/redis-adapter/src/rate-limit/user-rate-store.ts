import { createHash } from "node:crypto";
import type { UserRateStore } from "@parley/server";

/**
 * A fixed window per identity, atomic in Redis: INCR the identity's counter, start its window
 * (PEXPIRE) on the first event, and answer 0 while within the limit, else the window's
 * remaining milliseconds (PTTL). One key per identity with events in the current window;
 * Redis expires it when the window ends.
 */
const CONSUME = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n <= tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(ARGV[2])
end
return ttl
`;
const CONSUME_SHA = createHash("sha1").update(CONSUME).digest("hex");

/** node-redis (v4/v5): `sendCommand`. */
interface NodeRedisCommands {
  sendCommand(args: string[]): Promise<unknown>;
}

/** ioredis: `call`. */
interface IoRedisCommands {
  call(command: string, ...args: string[]): Promise<unknown>;
}

function isIoRedis(client: object): client is IoRedisCommands {
  const c = client as { call?: unknown; status?: unknown };
  return typeof c.call === "function" && typeof c.status === "string";
}

export interface RedisUserRateStoreOptions {
  /** Prefix of every counter key (default "parley-rate#"); give each app its own. */
  keyPrefix?: string;
}

/**
 * Cluster-wide per-user counts for `rateLimit.users` on a shared Redis (node-redis or ioredis,
 * a command connection: not a subscriber).
 *
 * Precision: exact within a window (Redis counts every event of every server atomically), a
 * fixed window (up to 2 × `limit` across a window boundary). Cost: one EVALSHA per event of an
 * identity while it is within its limit, and an event's handler waits for that round trip;
 * once over, each server refuses that identity locally until the window ends, so a flood
 * costs Redis about `limit` + one call per server per window.
 */
export class RedisUserRateStore implements UserRateStore {
  readonly #run: (args: string[]) => Promise<unknown>;
  readonly #prefix: string;
  #loaded = false;

  constructor(client: NodeRedisCommands | IoRedisCommands, opts: RedisUserRateStoreOptions = {}) {
    // ioredis first: it has a `sendCommand` too, taking its own Command objects.
    if (isIoRedis(client)) {
      this.#run = ([command, ...rest]) => client.call(command as string, ...rest);
    } else if (typeof (client as NodeRedisCommands).sendCommand === "function") {
      const c = client as NodeRedisCommands;
      this.#run = (args) => c.sendCommand(args);
    } else {
      throw new TypeError("RedisUserRateStore needs a node-redis or ioredis client");
    }
    this.#prefix = opts.keyPrefix ?? "parley-rate#";
  }

  /** The counter key of an identity (for tests and tools). */
  keyOf(key: string): string {
    return `${this.#prefix}${key}`;
  }

  async consume(key: string, limit: number, windowMs: number): Promise<number> {
    const tail = ["1", this.keyOf(key), String(limit), String(windowMs)];
    let reply: unknown;
    if (this.#loaded) {
      try {
        reply = await this.#run(["EVALSHA", CONSUME_SHA, ...tail]);
      } catch (err) {
        // A restarted (or flushed) Redis forgot the script: load it again below.
        if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
        reply = undefined;
      }
    }
    if (reply === undefined) {
      // Commands on one connection run in order: later EVALSHAs find the script loaded.
      const pending = this.#run(["EVAL", CONSUME, ...tail]);
      this.#loaded = true;
      reply = await pending;
    }
    const wait = Number(reply);
    if (!Number.isFinite(wait) || wait < 0) throw new Error(`unexpected reply ${String(reply)}`);
    return wait;
  }
}
