import { randomBytes } from "node:crypto";
import { InOrderCalls } from "./in-order-calls.js";
import {
  type AppendSettings,
  appendScript,
  LIVE,
  PERSIST,
  REFRESH,
  type Script,
  TAKE,
} from "./scripts.js";

/**
 * What durable sessions use of the publishing client: node-redis's `sendCommand` (v4.6+ or
 * v5), with options asking for binary replies (`typeMapping` in v5, `returnBuffers` in v4).
 */
export interface CommandClient {
  sendCommand(args: (string | Buffer)[], options?: object): Promise<unknown>;
}

/** Binary strings come back as Buffers (cluster messages and records may hold raw bytes). */
const AS_BUFFERS = { typeMapping: { 36: Buffer }, returnBuffers: true };

/** A stream entry: its id `<ms>-<seq>` and the cluster message as it was published. */
export interface StoredEntry {
  readonly id: string;
  readonly message: Buffer;
}

/** A session found by `take`, and the head of the history at that instant. */
export interface Taken {
  /** `disc`: dropped on a live server (or taken over); `live`: its server never said it dropped. */
  readonly state: "disc" | "live";
  /** `<owner uid: 16 chars><encoded session>`. */
  readonly record: Buffer;
  /** For a live record: when its owner last said it was alive (ms), undefined if never/expired. */
  readonly ownerSeen: number | undefined;
  readonly epoch: string;
  /** Sequence number of the last packet appended. */
  readonly top: number;
  /** Id of the oldest entry kept, or undefined when the stream is empty or gone. */
  readonly first: string | undefined;
  /**
   * Where the session began: the offset of the last packet appended before its record was
   * first written; undefined for a record written by a server without it.
   */
  readonly start: string | undefined;
}

export type TakeMode = "disc" | "peek" | "take";

/**
 * The Redis side of durable sessions for one namespace: a stream of the packets sent with an
 * offset, the sessions of connected sockets (per home, refreshed by their servers) and of
 * dropped ones (each with its own expiry). Every write is a script, so each step is atomic.
 * Expiry is Redis's: nothing here runs a timer per session or per packet.
 */
export class RedisDurableStore {
  readonly #client: CommandClient;
  readonly #prefix: string;
  readonly #meta: string;
  readonly #stream: string;
  readonly #windowMs: number;
  readonly #loaded = new Set<string>();
  /** This store's appends, kept in call order through retries (in-order-calls.ts). */
  readonly #appends = new InOrderCalls();
  readonly #order: string;
  #append: Script | undefined;
  #appendFor: AppendSettings | undefined;

  constructor(client: CommandClient, opts: { key: string; nsp: string; windowMs: number }) {
    this.#client = client;
    // One hash tag per namespace: in Redis Cluster every key of it is in one slot.
    this.#prefix = `${opts.key}-durable#{${opts.nsp}}#`;
    this.#meta = `${this.#prefix}meta`;
    this.#stream = `${this.#prefix}stream`;
    // One counter per store instance (a server process's namespace): a restarted process
    // starts a new sequence under a new key; the old one expires.
    this.#order = `${this.#prefix}order#${randomBytes(6).toString("base64url")}`;
    this.#windowMs = Math.max(1, opts.windowMs);
  }

  /** The key of the stream (for tests and tools). */
  get streamKey(): string {
    return this.#stream;
  }

  home(home: string): string {
    return `${this.#prefix}home#${home}`;
  }

  session(pid: string): string {
    return `${this.#prefix}session#${pid}`;
  }

  /** Where a disconnected session began (beside its record). */
  sessionStart(pid: string): string {
    return `${this.session(pid)}#s`;
  }

  alive(uid: string): string {
    return `${this.#prefix}alive#${uid}`;
  }

  /**
   * Appends `message` to the history and publishes it with its offset (on `channel`, unless
   * ""), and the marker `<markerSeq> <offset>` on the settings' marker channel (not when
   * `echoed`: the broadcaster hears `channel` and takes its own echo as the marker); resolves
   * with the offset.
   */
  async append(
    settings: AppendSettings,
    channel: string,
    message: string | Buffer,
    markerSeq: number,
    echoed = false,
  ): Promise<string> {
    const script = this.#appendScript(settings);
    const keys = [this.#meta, this.#stream, this.#order];
    const reply = await this.#appends.call(({ seq, resync, load }) => {
      const flags = echoed ? (resync ? "er" : "e") : resync ? "r" : "";
      // The flags only when set: an argument less on most broadcasts.
      const args = [channel, message, String(markerSeq), String(seq)];
      if (flags !== "") args.push(flags);
      return load ? this.#eval(script, keys, args) : this.#evalsha(script, keys, args);
    });
    return text(reply);
  }

  /** The append script of `settings`, made once (its source embeds them). */
  #appendScript(settings: AppendSettings): Script {
    if (this.#append === undefined || this.#appendFor !== settings) {
      this.#append = appendScript(settings);
      this.#appendFor = settings;
    }
    return this.#append;
  }

  /** Finds a session (see `TakeMode`) and reads the head of the history, in one step. */
  async take(pid: string, home: string, mode: TakeMode): Promise<Taken | null> {
    const reply = await this.#run(
      TAKE,
      [this.session(pid), this.home(home), this.#meta, this.#stream, this.sessionStart(pid)],
      [pid, mode, this.alive("")],
      true,
    );
    if (!Array.isArray(reply) || reply.length < 6) return null;
    const [state, record, seen, epoch, top, first, start] = reply as unknown[];
    const seenMs = Number(text(seen));
    const firstId = text(first);
    const startOffset = text(start);
    return {
      state: text(state) === "live" ? "live" : "disc",
      record: Buffer.isBuffer(record) ? record : Buffer.from(text(record)),
      ownerSeen: text(seen) === "" || !Number.isFinite(seenMs) ? undefined : seenMs,
      epoch: text(epoch),
      top: Number(text(top)),
      first: firstId === "" ? undefined : firstId,
      start: startOffset === "" ? undefined : startOffset,
    };
  }

  /** Up to `count` entries after id `after` (exclusive), oldest first. */
  async read(after: string, count: number): Promise<StoredEntry[]> {
    const reply = await this.#client.sendCommand(
      ["XRANGE", this.#stream, `(${after}`, "+", "COUNT", String(count)],
      AS_BUFFERS,
    );
    if (!Array.isArray(reply)) return [];
    const entries: StoredEntry[] = [];
    for (const item of reply as unknown[]) {
      if (!Array.isArray(item)) continue;
      const [id, fields] = item as [unknown, unknown];
      if (!Array.isArray(fields)) continue;
      const message = fields[1];
      if (message === undefined) continue;
      entries.push({
        id: text(id),
        message: Buffer.isBuffer(message) ? message : Buffer.from(text(message)),
      });
    }
    return entries;
  }

  /** A socket dropped (recoverably): its live record becomes a disconnected one. */
  async persist(home: string, pid: string, record: Buffer): Promise<void> {
    await this.#run(
      PERSIST,
      [this.home(home), this.session(pid), this.sessionStart(pid)],
      [pid, record, String(this.#windowMs)],
    );
  }

  /**
   * Writes (record) or removes (empty record) live records of one home. A record written for
   * the first time gets its session's start: `start`, or "" for the history's head now (its
   * epoch `epoch` if it has none yet).
   */
  async live(
    home: string,
    ttlMs: number,
    epoch: string,
    records: [pid: string, record: Buffer | "", start: string][],
  ): Promise<void> {
    const args: (string | Buffer)[] = [String(ttlMs), epoch];
    for (const [pid, record, start] of records) args.push(pid, record, start);
    await this.#run(LIVE, [this.home(home), this.#meta], args);
  }

  /** Says `uid` is alive, and keeps the homes of its live sessions from expiring. */
  async refresh(uid: string, homes: readonly string[], ttlMs: number): Promise<void> {
    await this.#run(
      REFRESH,
      [this.alive(uid), ...homes.map((h) => this.home(h))],
      [String(Date.now()), String(ttlMs)],
    );
  }

  /**
   * EVALSHA, loading the script with EVAL the first time Redis does not know it. For scripts
   * whose effects do not depend on their order: a NOSCRIPT retry runs after later calls.
   */
  async #run(
    s: Script,
    keys: string[],
    args: (string | Buffer)[],
    buffers = false,
  ): Promise<unknown> {
    try {
      return await this.#evalsha(s, keys, args, buffers);
    } catch (err) {
      // A restarted (or flushed) Redis forgot it: load it again.
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
    }
    return this.#eval(s, keys, args, buffers);
  }

  /** EVALSHA, or EVAL when this store has not sent the script yet. */
  #evalsha(s: Script, keys: string[], args: (string | Buffer)[], buffers = false) {
    if (!this.#loaded.has(s.sha)) return this.#eval(s, keys, args, buffers);
    const options = buffers ? AS_BUFFERS : undefined;
    return this.#client.sendCommand(
      ["EVALSHA", s.sha, String(keys.length), ...keys, ...args],
      options,
    );
  }

  #eval(s: Script, keys: string[], args: (string | Buffer)[], buffers = false) {
    const options = buffers ? AS_BUFFERS : undefined;
    // Commands on one connection run in order: once this EVAL is sent, the EVALSHAs behind
    // it find the script loaded (or fail with NOSCRIPT and are sent again).
    const reply = this.#client.sendCommand(
      ["EVAL", s.source, String(keys.length), ...keys, ...args],
      options,
    );
    this.#loaded.add(s.sha);
    return reply;
  }
}

function text(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString();
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return "";
}
