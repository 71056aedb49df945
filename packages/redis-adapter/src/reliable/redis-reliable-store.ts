import type {
  ReliableEntry,
  ReliablePid,
  ReliableStore,
  ReliableStoreOptions,
} from "@parley/server/adapter";
import { RELIABLE_GRACE_MS, reliableLimitError } from "@parley/server/adapter";
import { decode, encode } from "../codec.js";
import type { Script } from "../durable/scripts.js";
import type { CommandClient } from "../durable/store.js";
import { ACK, ADD, PENDING, REFRESH } from "./scripts.js";

/** Binary strings come back as Buffers (packets may hold raw bytes). */
const AS_BUFFERS = { typeMapping: { 36: Buffer }, returnBuffers: true };

/**
 * Reliable packets in Redis (with `durableSessions: true`): "acknowledged by the server"
 * means Redis answered the write, so a packet outlives the server that stored it (SIGKILL
 * included) and, with Redis persistence (AOF), a Redis restart; any server restoring the
 * session redelivers it. One hash per session, in the namespace's hash tag like every
 * durable-session key; packets encoded as the adapter's messages are (binary intact).
 */
export class RedisReliableStore implements ReliableStore {
  readonly maxPerSession: number;
  /** Every server sharing the Redis reads these sets. */
  readonly shared = true;
  readonly #client: CommandClient;
  readonly #prefix: string;
  readonly #ttl: string;
  readonly #loaded = new Set<string>();

  constructor(
    client: CommandClient,
    opts: ReliableStoreOptions & { readonly key: string; readonly nsp: string },
  ) {
    this.#client = client;
    this.maxPerSession = opts.maxPerSession;
    this.#prefix = `${opts.key}-durable#{${opts.nsp}}#rel#`;
    this.#ttl = String(Math.max(1, opts.windowMs) + RELIABLE_GRACE_MS);
  }

  /** The key of a session's set (for tests and tools). */
  keyOf(pid: ReliablePid): string {
    return `${this.#prefix}${pid}`;
  }

  async add(pid: ReliablePid, data: readonly unknown[], floor: number): Promise<number> {
    // The codec's messages are objects: the arguments ride under `d`.
    const packet = encode({ d: data });
    // Always EVAL, never EVALSHA with a retry on NOSCRIPT: the retry of an add is sent after
    // later adds, which find the script loaded again (by that retry, or by another server)
    // and are stored first, so after a Redis restart ids stopped following call order (issue
    // 14). EVAL cannot fail that way: the adds of one connection run in the order sent.
    // Cost: the script's ~300 bytes on each add (Redis finds it in its cache by hash).
    const reply = await this.#client.sendCommand([
      "EVAL",
      ADD.source,
      "1",
      this.keyOf(pid),
      String(this.maxPerSession),
      this.#ttl,
      String(floor),
      packet,
    ]);
    const seq = Number(reply);
    if (seq === -1) throw reliableLimitError(this.maxPerSession);
    if (!Number.isSafeInteger(seq) || seq <= 0)
      throw new Error(`unexpected reply ${String(reply)}`);
    return seq;
  }

  async ack(pid: ReliablePid, seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.#run(ACK, [this.keyOf(pid)], [this.#ttl, ...seqs.map(String)]);
  }

  async pending(pid: ReliablePid): Promise<ReliableEntry[]> {
    const reply = await this.#run(PENDING, [this.keyOf(pid)], [this.#ttl], true);
    if (!Array.isArray(reply)) return [];
    const entries: ReliableEntry[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const seq = Number(String(reply[i]));
      if (!Number.isSafeInteger(seq)) continue; // the `n` field
      const raw = reply[i + 1] as unknown;
      const data = unpack(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
      if (data !== undefined) entries.push({ seq, data });
    }
    return entries.sort((a, b) => a.seq - b.seq);
  }

  async refresh(pids: readonly ReliablePid[]): Promise<void> {
    if (pids.length === 0) return;
    await this.#run(
      REFRESH,
      pids.map((p) => this.keyOf(p)),
      [this.#ttl],
    );
  }

  async drop(pid: ReliablePid): Promise<void> {
    await this.#client.sendCommand(["DEL", this.keyOf(pid)]);
  }

  /**
   * EVALSHA, loading the script with EVAL the first time Redis does not know it. Only for
   * scripts whose effect does not depend on the order they run in (a retry runs after
   * commands sent later): `add` does not come here.
   */
  async #run(s: Script, keys: string[], args: (string | Buffer)[], buffers = false) {
    const tail = [String(keys.length), ...keys, ...args];
    const options = buffers ? AS_BUFFERS : undefined;
    if (this.#loaded.has(s.sha)) {
      try {
        return await this.#client.sendCommand(["EVALSHA", s.sha, ...tail], options);
      } catch (err) {
        // A restarted (or flushed) Redis forgot it: load it again below.
        if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      }
    }
    // Commands on one connection run in order: the EVALSHAs sent after this EVAL find the
    // script loaded (or fail with NOSCRIPT and come back here).
    const reply = this.#client.sendCommand(["EVAL", s.source, ...tail], options);
    this.#loaded.add(s.sha);
    return reply;
  }
}

/** The arguments of a stored packet; undefined for bytes that are not one (never written by us). */
function unpack(raw: Buffer): unknown[] | undefined {
  try {
    const data = (decode(raw) as { d?: unknown }).d;
    return Array.isArray(data) ? data : undefined;
  } catch {
    return undefined;
  }
}
