import cluster from "node:cluster";
import type { ClusterMessage } from "@parley/server";
import { ClusterAdapterError } from "./errors.js";
import { describeError, type Logger } from "./logger.js";
import {
  fromWire,
  isRecord,
  MARKER,
  type PrimaryEnvelope,
  toWire,
  type WorkerEnvelope,
} from "./wire.js";

/** What the channel needs of an adapter: its namespace, and where to hand messages. */
export interface ChannelMember {
  readonly nsp: { readonly name: string };
  onMessage(message: ClusterMessage): void;
}

/** Where `process.send` comes from: a `node:cluster` worker's IPC channel to the primary. */
type Send = (message: WorkerEnvelope, callback: (err: Error | null) => void) => boolean;

/**
 * A worker's one IPC endpoint, shared by every adapter of the process (each namespace of each
 * server has one). It says hello to the primary once; the primary's welcome tells whether
 * bytes survive the channel (advanced serialization) or need base64 (JSON, the default).
 * Until then parts go as base64, which both decode.
 *
 * Guarantees: messages are handed to `process.send` in call order, and the primary relays a
 * worker's messages in the order it got them, so each worker's messages are applied by the
 * others in the order they were published. Messages for a namespace this process has no
 * adapter for are ignored (no server here has it, so no request awaits this worker on it).
 */
export class WorkerChannel {
  readonly #send: Send;
  readonly #logger: Logger;
  readonly #members = new Map<string, Set<ChannelMember>>();
  readonly #listener = (message: unknown) => this.#onMessage(message);
  #listening = false;
  #rawBytes = false;
  #welcomed = false;
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #primaryTimeout: number;

  constructor(logger: Logger, primaryTimeout: number) {
    const send = process.send;
    // A child_process.fork() child has process.send too, but no primary relays for it.
    if (!cluster.isWorker || typeof send !== "function") {
      throw new ClusterAdapterError(
        "NOT_A_WORKER",
        "@parley/cluster-adapter: createAdapter() must run in a node:cluster worker (this process has no IPC channel to a primary); in a single process, keep the default in-memory adapter",
      );
    }
    this.#send = send.bind(process) as Send;
    this.#logger = logger;
    this.#primaryTimeout = primaryTimeout;
  }

  /** Whether the primary has answered our hello (a `setupPrimary()` is running). */
  get welcomed(): boolean {
    return this.#welcomed;
  }

  join(member: ChannelMember): void {
    let set = this.#members.get(member.nsp.name);
    if (set === undefined) {
      set = new Set();
      this.#members.set(member.nsp.name, set);
    }
    set.add(member);
    if (!this.#listening) this.#listen();
  }

  leave(member: ChannelMember): void {
    const set = this.#members.get(member.nsp.name);
    if (set === undefined || !set.delete(member)) return;
    if (set.size === 0) this.#members.delete(member.nsp.name);
    if (this.#members.size > 0 || !this.#listening) return;
    // No adapter left: let the worker exit once its server is closed.
    this.#listening = false;
    process.off("message", this.#listener);
    clearTimeout(this.#helloTimer);
  }

  /** To every other worker (through the primary). */
  publish(message: ClusterMessage): Promise<void> {
    return this.#post({ parley: MARKER, kind: "publish", ...toWire(message, this.#rawBytes) });
  }

  /** To the worker whose adapter has uid `to` only. */
  respond(to: string, message: ClusterMessage): Promise<void> {
    return this.#post({ parley: MARKER, kind: "respond", to, ...toWire(message, this.#rawBytes) });
  }

  #listen(): void {
    this.#listening = true;
    process.on("message", this.#listener);
    if (this.#welcomed) return;
    void this.#post({ parley: MARKER, kind: "hello" }).catch(() => {});
    // A primary without setupPrimary() drops everything: say so once, never lose silently.
    this.#helloTimer = setTimeout(() => {
      if (this.#welcomed) return;
      this.#logger.warn(
        "no-primary",
        `no answer from the primary after ${this.#primaryTimeout} ms: call setupPrimary() from @parley/cluster-adapter in the primary process, or broadcasts stay on this worker`,
      );
    }, this.#primaryTimeout);
    this.#helloTimer.unref();
  }

  #post(envelope: WorkerEnvelope): Promise<void> {
    // The channel closes when the primary goes or the worker is disconnecting: nothing can
    // leave any more, and process.send would throw.
    if (!process.connected) return Promise.reject(new Error("IPC channel closed"));
    return new Promise((resolve, reject) => {
      try {
        this.#send(envelope, (err) => (err ? reject(err) : resolve()));
      } catch (err) {
        // Values the serialization refuses (a function under advanced serialization).
        reject(err);
      }
    });
  }

  #onMessage(raw: unknown): void {
    if (!isRecord(raw) || raw.parley !== MARKER) return; // sticky's, the app's own
    const envelope = raw as PrimaryEnvelope;
    if (envelope.kind === "welcome") {
      this.#welcomed = true;
      this.#rawBytes = envelope.probe instanceof Uint8Array;
      clearTimeout(this.#helloTimer);
      this.#logger.debug(`primary answered (${this.#rawBytes ? "raw" : "base64"} binary parts)`);
      return;
    }
    if (envelope.kind !== "deliver") return;
    const head = envelope.m;
    if (
      !isRecord(head) ||
      typeof head.type !== "string" ||
      typeof head.uid !== "string" ||
      typeof head.nsp !== "string"
    ) {
      this.#logger.warn("malformed", "ignored an IPC message without type, uid or nsp");
      return;
    }
    const members = this.#members.get(head.nsp);
    if (members === undefined) return;
    // Decoding fills the envelope's holes: a second server of this process on the same
    // namespace gets a copy decoded from a pristine clone, so binary values keep their types.
    const pristine = members.size > 1 ? structuredClone(envelope) : undefined;
    let first = true;
    for (const member of members) {
      try {
        const message = first || pristine === undefined ? envelope : structuredClone(pristine);
        first = false;
        member.onMessage(fromWire(message) as ClusterMessage);
      } catch (err) {
        this.#logger.warn(
          "apply",
          `a ${head.type} message from ${head.uid} failed: ${describeError(err)}`,
        );
      }
    }
  }
}
