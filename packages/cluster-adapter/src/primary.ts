import cluster, { type Worker } from "node:cluster";
import { ClusterAdapterError } from "./errors.js";
import { createLogger, describeError, type Logger } from "./logger.js";
import type { PrimaryOptions } from "./options.js";
import { isRecord, MARKER, type PrimaryEnvelope, type WireMessage } from "./wire.js";

/** A running relay; `close()` stops it (for tests and orderly shutdowns). */
export interface PrimaryRelay {
  /** Uids of the adapters (one per namespace and server) each live worker has spoken for. */
  adapters(): Map<number, string[]>;
  close(): void;
}

let running: PrimaryRelay | undefined;

/**
 * Relays the cluster adapters' messages between the workers. Call it once in the primary,
 * before or after forking (a second call returns the same relay). It works alongside
 * `@socket.io/sticky`'s `setupPrimary`, and ignores every IPC message that is not Parley's.
 *
 * Guarantees:
 * - a worker's `publish` reaches every other live worker, in the order it was sent;
 * - a response reaches only the worker whose adapter asked (by uid), never the others;
 * - when a worker exits, however it exits (SIGKILL included), every other worker is told at
 *   once that each of its adapters closed, so no request goes on waiting for it; anything
 *   it sent that arrives after its exit is dropped.
 */
export function setupPrimary(opts: PrimaryOptions = {}): PrimaryRelay {
  if (!cluster.isPrimary) {
    throw new ClusterAdapterError(
      "NOT_THE_PRIMARY",
      "@parley/cluster-adapter: setupPrimary() runs in the node:cluster primary; workers call createAdapter()",
    );
  }
  if (running !== undefined) return running;
  const logger = createLogger(opts.debug);
  /** adapter uid → the worker it lives in, and its namespace (to say it closed). */
  const owners = new Map<string, { worker: Worker; nsp: string }>();
  const exited = new WeakSet<Worker>();

  const onMessage = (worker: Worker, raw: unknown): void => {
    if (!isRecord(raw) || raw.parley !== MARKER || exited.has(worker)) return;
    switch (raw.kind) {
      case "hello":
        send(worker, welcome(), logger);
        return;
      case "publish": {
        const head = raw.m;
        if (!isRecord(head) || typeof head.uid !== "string" || typeof head.nsp !== "string") {
          logger.warn("malformed", `ignored a malformed message from worker ${worker.id}`);
          return;
        }
        if (head.type === "adapter-close") owners.delete(head.uid);
        else if (!owners.has(head.uid)) owners.set(head.uid, { worker, nsp: head.nsp });
        const out = deliver(raw);
        for (const other of liveWorkers()) if (other !== worker) send(other, out, logger);
        return;
      }
      case "respond": {
        const to = typeof raw.to === "string" ? owners.get(raw.to) : undefined;
        if (to === undefined) {
          // The requester closed or died meanwhile: nobody waits for this answer.
          logger.debug(`dropped a response for ${String(raw.to)}: no such adapter`);
          return;
        }
        send(to.worker, deliver(raw), logger);
        return;
      }
      default:
        logger.warn("malformed", `ignored a message of unknown kind from worker ${worker.id}`);
    }
  };

  const onExit = (worker: Worker): void => {
    exited.add(worker);
    for (const [uid, owner] of owners) {
      if (owner.worker !== worker) continue;
      owners.delete(uid);
      logger.debug(`worker ${worker.id} exited: adapter ${uid} (${owner.nsp}) closed`);
      const closed: PrimaryEnvelope = {
        parley: MARKER,
        kind: "deliver",
        m: { type: "adapter-close", uid, nsp: owner.nsp },
      };
      for (const other of liveWorkers()) send(other, closed, logger);
    }
  };

  cluster.on("message", onMessage);
  cluster.on("exit", onExit);
  // Workers forked before this call may have said hello already, to nobody.
  for (const worker of liveWorkers()) send(worker, welcome(), logger);
  const relay: PrimaryRelay = {
    adapters() {
      const out = new Map<number, string[]>();
      for (const [uid, { worker }] of owners)
        out.set(worker.id, [...(out.get(worker.id) ?? []), uid]);
      return out;
    },
    close() {
      cluster.off("message", onMessage);
      cluster.off("exit", onExit);
      owners.clear();
      if (running === relay) running = undefined;
    },
  };
  running = relay;
  return relay;
}

/** The probe tells the worker whether bytes survive this channel's serialization. */
function welcome(): PrimaryEnvelope {
  return { parley: MARKER, kind: "welcome", probe: Buffer.from([1]) };
}

function liveWorkers(): Worker[] {
  const out: Worker[] = [];
  for (const worker of Object.values(cluster.workers ?? {})) {
    if (worker?.isConnected() === true) out.push(worker);
  }
  return out;
}

/** The same message, relayed: its parts as they came (raw or base64, the worker decodes). */
function deliver(raw: Record<string, unknown>): PrimaryEnvelope {
  const out: PrimaryEnvelope = { parley: MARKER, kind: "deliver", m: raw.m };
  if (raw.b !== undefined) out.b = raw.b as NonNullable<WireMessage["b"]>;
  if (raw.p !== undefined) out.p = raw.p as NonNullable<WireMessage["p"]>;
  return out;
}

function send(worker: Worker, message: PrimaryEnvelope, logger: Logger): void {
  if (!worker.isConnected()) return;
  try {
    worker.send(message, undefined, (err: Error | null) => {
      // A worker dying right now; its exit will be announced to the others.
      if (err) logger.debug(`could not relay to worker ${worker.id}: ${describeError(err)}`);
    });
  } catch (err) {
    logger.warn("relay", `could not relay to worker ${worker.id}: ${describeError(err)}`);
  }
}
