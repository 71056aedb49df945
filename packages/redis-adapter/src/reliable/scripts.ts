import { createHash } from "node:crypto";
import type { Script } from "../durable/scripts.js";

/**
 * The Lua scripts of reliable delivery in Redis: one hash per session (`…#rel#<pid>`), field
 * `n` the last message id handed out, and one field per unacknowledged packet (its id → the
 * encoded `[event, ...args]`). Each script runs atomically, so the cap and the ids are exact
 * under concurrent servers, and each re-arms the hash's TTL (window + grace): expiry is
 * Redis's.
 */

function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

/**
 * KEYS[1] set; ARGV max, ttl ms, floor, packet. Returns the new id, or -1 when the set
 * already holds `max` packets (nothing written).
 */
export const ADD = script(`
local held = redis.call('HLEN', KEYS[1])
if held > 0 then held = held - 1 end
if held >= tonumber(ARGV[1]) then return -1 end
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local floor = tonumber(ARGV[3])
if floor > n then n = floor end
n = n + 1
redis.call('HSET', KEYS[1], 'n', n, n, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n
`);

/** KEYS[1] set; ARGV ttl ms, then the acknowledged ids. */
export const ACK = script(`
for i = 2, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 0
`);

/** KEYS[1] set; ARGV ttl ms. Every field (the caller drops `n` and sorts), TTL re-armed. */
export const PENDING = script(`
local all = redis.call('HGETALL', KEYS[1])
if #all > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return all
`);

/** KEYS the sets; ARGV ttl ms. */
export const REFRESH = script(`
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
return 0
`);
