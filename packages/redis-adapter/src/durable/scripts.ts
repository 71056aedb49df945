import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { OUT_OF_ORDER } from "./in-order-calls.js";

/**
 * The Lua scripts of durable sessions. Each runs atomically in Redis, which is what makes the
 * history exact: a packet is appended to the namespace's stream and published to the other
 * servers in one step, so the stream's order is the order every subscriber receives packets
 * in, and an offset a client holds says exactly what it has seen.
 *
 * Keys (one hash tag per namespace, so they share a slot):
 *   meta    hash: `epoch` (random, set once), `top` (sequence of the last packet), `ms`
 *           (its time: ids never go back in time, even if the clock does)
 *   stream  entries `<ms>-<seq>` with one field `m`, the stored broadcast (stored-message.ts);
 *           trimmed by count (MAXLEN ~) and by age (MINID ~), expires when idle
 *   home    hash per session home (the server that issued the pid): pid → live record, and
 *           `<pid>#s` → the session's start, the offset of the last packet appended before
 *           its record was first written (`<epoch>:<ms>-<top>`, `:0-0` on an empty history)
 *   session string per disconnected session: its record, PX maxDisconnectionDuration;
 *           `…#s` beside it, its start
 *   alive   string per server: when it last said it was alive, PX window + grace
 *   order   string per writer (a store of one server process): the number of its last
 *           stored append, PX window (in-order-calls.ts)
 */

export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

/** A Lua string literal for any bytes (every byte but letters and digits as `\\ddd`). */
function lua(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9]/.test(c) ? c : `\\${String(byte).padStart(3, "0")}`;
  }
  return `${out}"`;
}

/**
 * Trimming by age runs on every this-many appends, not on each: entries past the window are
 * kept a little longer (they are never read: the sessions that could ask for them expired),
 * and a broadcast costs one command less inside Redis. Trimming by count (`MAXLEN ~`) and the
 * idle stream's TTL stay per append.
 */
const TRIM_EVERY = 64;

export interface AppendSettings {
  readonly publish: "PUBLISH" | "SPUBLISH";
  /** This server's own channel, where its markers come back. */
  readonly markerChannel: string;
  readonly windowMs: number;
  readonly maxEntries: number;
  /** The epoch a history gets if it has none yet. */
  readonly epoch: string;
}

/**
 * Appends a packet. KEYS: meta, stream, this writer's order counter. ARGV: channel ("" for
 * none: a packet for local sockets only), message, marker sequence, call number, flags ("e"
 * when the broadcaster hears the channel itself, "r" to take any call number).
 * Refuses, before writing anything, a call number that does not follow the counter's unless
 * "r" (in-order-calls.ts: a call that overtook one being sent again).
 * Publishes `\x02<offset>\x00<message>` on the channel and `\x03<marker sequence> <offset>` on
 * the marker channel; with "e", only `\x02<offset> <marker sequence>\x00<message>` on the
 * channel, whose echo is the broadcaster's marker (the others skip the tag). Returns the offset
 * `<epoch>:<ms>-<seq>`. What is the same for every call of a server (its marker channel,
 * the bounds, the Pub/Sub command) is written into the script, not sent with each packet.
 */
export function appendScript(settings: AppendSettings): Script {
  const { publish, markerChannel, windowMs, maxEntries, epoch } = settings;
  const ttl = Math.max(1, Math.floor(windowMs));
  return script(`
local meta, stream, order = KEYS[1], KEYS[2], KEYS[3]
local flags = ARGV[5] or ''
local echoed = string.find(flags, 'e', 1, true)
if not string.find(flags, 'r', 1, true) then
  local last = tonumber(redis.call('GET', order) or '-1')
  if last ~= tonumber(ARGV[4]) - 1 then
    return redis.error_reply('${OUT_OF_ORDER} call ' .. ARGV[4] .. ' came before its predecessor was stored')
  end
end
redis.call('SET', order, ARGV[4], 'PX', ${ttl})
local state = redis.call('HMGET', meta, 'epoch', 'ms', 'top')
local epoch = state[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(state[2] or '0')
if now < last then now = last end
local seq = tonumber(state[3] or '0') + 1
if epoch then
  redis.call('HSET', meta, 'top', seq, 'ms', now)
else
  epoch = ${lua(epoch)}
  redis.call('HSET', meta, 'epoch', epoch, 'top', seq, 'ms', now)
end
local id = now .. '-' .. seq
redis.call('XADD', stream, 'MAXLEN', '~', ${Math.max(1, Math.floor(maxEntries))}, id, 'm', ARGV[2])
if seq % ${TRIM_EVERY} == 0 then
  redis.call('XTRIM', stream, 'MINID', '~', (now - ${Math.floor(windowMs)}) .. '-0')
end
redis.call('PEXPIRE', stream, ${ttl})
local offset = epoch .. ':' .. id
if echoed then
  redis.call('${publish}', ARGV[1], '\\2' .. offset .. ' ' .. ARGV[3] .. '\\0' .. ARGV[2])
elseif ARGV[1] ~= '' then
  redis.call('${publish}', ARGV[1], '\\2' .. offset .. '\\0' .. ARGV[2])
end
if not echoed then
  redis.call('${publish}', ${lua(markerChannel)}, '\\3' .. ARGV[3] .. ' ' .. offset)
end
return offset
`);
}

/**
 * Takes (or peeks at) a session and reads the head of the history. KEYS: session, home,
 * meta, stream, session start. ARGV: pid, mode (disc: disconnected records only; peek: also
 * a live record, left in place; take: also a live record, removed), alive-key prefix.
 * Returns false, or [state (disc | live), record, owner's last alive stamp or "", epoch or
 * "", top or "0", id of the oldest entry kept or "", the session's start or ""].
 */
export const TAKE = script(`
local rec = redis.call('GET', KEYS[1])
local state, seen, start = 'disc', '', ''
if rec then
  start = redis.call('GET', KEYS[5]) or ''
  redis.call('DEL', KEYS[1], KEYS[5])
elseif ARGV[2] ~= 'disc' then
  rec = redis.call('HGET', KEYS[2], ARGV[1])
  if not rec then return false end
  state = 'live'
  seen = redis.call('GET', ARGV[3] .. string.sub(rec, 1, 16)) or ''
  start = redis.call('HGET', KEYS[2], ARGV[1] .. '#s') or ''
  if ARGV[2] == 'take' then redis.call('HDEL', KEYS[2], ARGV[1], ARGV[1] .. '#s') end
else
  return false
end
local meta = redis.call('HMGET', KEYS[3], 'epoch', 'top')
local head = redis.call('XRANGE', KEYS[4], '-', '+', 'COUNT', 1)
local first = ''
if #head > 0 then first = head[1][1] end
return {state, rec, seen, meta[1] or '', meta[2] or '0', first, start}
`);

/**
 * A socket dropped: its live record becomes a disconnected one, its start goes with it.
 * KEYS: home, session, session start. ARGV: pid, record, window ms.
 */
export const PERSIST = script(`
local start = redis.call('HGET', KEYS[1], ARGV[1] .. '#s')
redis.call('HDEL', KEYS[1], ARGV[1], ARGV[1] .. '#s')
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if start then redis.call('SET', KEYS[3], start, 'PX', ARGV[3]) end
return 1
`);

/**
 * This server is alive, and so are the homes of its live sessions. KEYS: alive, homes…
 * ARGV: now ms, ttl ms.
 */
export const REFRESH = script(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 2, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return 1
`);

/**
 * Live records of connected sockets, written on connect and on each room change. KEYS: home,
 * meta. ARGV: ttl ms, the epoch a history gets if it has none yet, then pid, record, start
 * triples: a pid with an empty record is removed; a record written for the first time gets
 * its start, the one given (a restored session keeps the start it had) or the history's head
 * now: where a restore without an offset replays from.
 */
export const LIVE = script(`
local head
for i = 3, #ARGV, 3 do
  local pid, rec, start = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if rec == '' then
    redis.call('HDEL', KEYS[1], pid, pid .. '#s')
  else
    redis.call('HSET', KEYS[1], pid, rec)
    if start ~= '' then
      redis.call('HSET', KEYS[1], pid .. '#s', start)
    elseif redis.call('HEXISTS', KEYS[1], pid .. '#s') == 0 then
      if not head then
        redis.call('HSETNX', KEYS[2], 'epoch', ARGV[2])
        local meta = redis.call('HMGET', KEYS[2], 'epoch', 'ms', 'top')
        head = meta[1] .. ':' .. (meta[2] or '0') .. '-' .. (meta[3] or '0')
      end
      redis.call('HSET', KEYS[1], pid .. '#s', head)
    end
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`);
