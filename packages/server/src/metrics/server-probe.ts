import type { Adapter } from "../adapter/adapter.js";
import type { EngineConnection } from "../engine/contract.js";
import type { Namespace } from "../namespace.js";
import type { Server } from "../server.js";
import type { Socket } from "../socket.js";
import type { DisconnectReason } from "../socket-types.js";
import { ConnectionProbe } from "./connection-probe.js";
import type { MetricSet, ScrapeSources } from "./metric-set.js";

// biome-ignore lint/suspicious/noExplicitAny: metrics observe servers of any event maps
type AnyServer = Server<any, any, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: as above
type AnyNamespace = Namespace<any, any, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: as above
type AnySocket = Socket<any, any, any, any>;

/** Namespace label of packets naming a namespace this server does not have. */
export const OTHER_NAMESPACE = "(other)";

/**
 * Listens to one server: its engine's connections (through `ConnectionProbe`), each
 * namespace's `connection`, each socket's `disconnect`, each adapter's `fan-out` and cluster
 * request events. Everything it adds is a listener on objects that exist anyway; `stop()`
 * takes every one of them off again.
 */
export class ServerProbe implements ScrapeSources {
  readonly #io: AnyServer;
  readonly #metrics: MetricSet;
  readonly #connections: ConnectionProbe;
  readonly #labelOf: (nsp: string) => string;
  readonly #namespaces = new Set<AnyNamespace>();
  /** Adapters listened to, by namespace: `io.adapter(…)` replaces them. */
  readonly #adapters = new Map<AnyNamespace, { adapter: Adapter; off(): void }>();
  readonly #onEngineConnection = (conn: EngineConnection) => this.#connections.watch(conn);
  readonly #onNewNamespace = (nsp: AnyNamespace) => this.#watchNamespace(nsp);
  readonly #onConnection: (socket: AnySocket) => void;
  readonly #onDisconnect: (this: AnySocket, reason: DisconnectReason) => void;

  constructor(io: AnyServer, metrics: MetricSet, namespaceLabel?: (name: string) => string) {
    this.#io = io;
    this.#metrics = metrics;
    // By default only namespaces the server has get their own label: a client naming
    // made-up namespaces must not grow the metrics without bound. A label function sees
    // every name (a dynamic child's first CONNECT arrives before the child exists).
    this.#labelOf = namespaceLabel ?? ((name) => (io._nsps.has(name) ? name : OTHER_NAMESPACE));
    this.#connections = new ConnectionProbe(metrics, this.#labelOf);
    const labelOf = this.#labelOf;
    this.#onConnection = (socket) => {
      const namespace = labelOf(socket.nsp.name);
      metrics.connections.inc({ namespace });
      if (socket.recovered) metrics.recoveryHits.inc({ namespace });
      socket.on("disconnect", this.#onDisconnect);
    };
    this.#onDisconnect = function (reason) {
      metrics.disconnections.inc({ namespace: labelOf(this.nsp.name), reason });
    };
  }

  start(): void {
    const engine = this.#io.engine;
    engine.on("connection", this.#onEngineConnection);
    for (const conn of engine.clients.values()) this.#connections.watch(conn);
    this.#io.sockets.on("new_namespace", this.#onNewNamespace);
    for (const nsp of this.#io._nsps.values()) {
      this.#watchNamespace(nsp);
      for (const socket of nsp.sockets.values()) socket.on("disconnect", this.#onDisconnect);
    }
  }

  stop(): void {
    const engine = this.#io.engine;
    engine.off("connection", this.#onEngineConnection);
    for (const conn of engine.clients.values()) this.#connections.unwatch(conn);
    this.#io.sockets.off("new_namespace", this.#onNewNamespace);
    for (const nsp of this.#namespaces) {
      nsp.off("connection", this.#onConnection);
      for (const socket of nsp.sockets.values()) socket.off("disconnect", this.#onDisconnect);
    }
    this.#namespaces.clear();
    for (const { off } of this.#adapters.values()) off();
    this.#adapters.clear();
  }

  #watchNamespace(nsp: AnyNamespace): void {
    if (this.#namespaces.has(nsp)) return;
    this.#namespaces.add(nsp);
    nsp.on("connection", this.#onConnection);
    this.#watchAdapter(nsp);
  }

  /** Listens to `nsp`'s current adapter (again, after `io.adapter(…)` replaced it). */
  #watchAdapter(nsp: AnyNamespace): void {
    const adapter = nsp.adapter;
    const known = this.#adapters.get(nsp);
    if (known?.adapter === adapter) return;
    known?.off();
    const m = this.#metrics;
    const namespace = () => this.#labelOf(nsp.name);
    const fanOut = (n: number) => m.fanOut.observe({ namespace: namespace() }, n);
    const request = (type: string) => m.adapterRequests.inc({ namespace: namespace(), type });
    const timeout = (type: string) => m.adapterTimeouts.inc({ namespace: namespace(), type });
    adapter.on("fan-out", fanOut);
    adapter.on("cluster-request", request);
    adapter.on("cluster-request-timeout", timeout);
    this.#adapters.set(nsp, {
      adapter,
      off() {
        adapter.off("fan-out", fanOut);
        adapter.off("cluster-request", request);
        adapter.off("cluster-request-timeout", timeout);
      },
    });
  }

  // ---- read at scrape time ----

  sockets(): Map<string, Map<string, number>> {
    const counts = new Map<string, Map<string, number>>();
    for (const nsp of this.#io._nsps.values()) {
      // Catches up with adapters replaced since the last scrape.
      if (this.#namespaces.has(nsp)) this.#watchAdapter(nsp);
      const label = this.#labelOf(nsp.name);
      let byTransport = counts.get(label);
      if (byTransport === undefined) {
        byTransport = new Map();
        counts.set(label, byTransport);
      }
      for (const socket of nsp.sockets.values()) {
        const transport = socket.conn.transport.name;
        byTransport.set(transport, (byTransport.get(transport) ?? 0) + 1);
      }
    }
    return counts;
  }

  engineClients(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const conn of this.#io.engine.clients.values()) {
      const transport = conn.transport.name;
      counts.set(transport, (counts.get(transport) ?? 0) + 1);
    }
    return counts;
  }

  rooms(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const nsp of this.#io._nsps.values()) {
      const label = this.#labelOf(nsp.name);
      counts.set(label, (counts.get(label) ?? 0) + nsp.adapter.rooms.size);
    }
    return counts;
  }
}
