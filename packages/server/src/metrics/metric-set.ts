import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Recipients per broadcast: one socket, a room, a crowd. */
export const DEFAULT_FAN_OUT_BUCKETS = [0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 10000];
/** Seconds from an emit to its acknowledgement. */
export const DEFAULT_ACK_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface MetricSetOptions {
  registry: Registry;
  prefix: string;
  fanOutBuckets: number[];
  ackBuckets: number[];
}

/** Gauges read at scrape time, filled by the server probe. */
export interface ScrapeSources {
  /** Connected sockets: `[namespace, transport] → count`. */
  sockets(): Map<string, Map<string, number>>;
  /** Engine.IO sessions by transport. */
  engineClients(): Map<string, number>;
  /** Rooms per namespace (local sockets' rooms, their own rooms included). */
  rooms(): Map<string, number>;
}

/**
 * Every Prometheus metric Parley exposes, registered on the user's registry. Names are
 * `<prefix><name>` (prefix "parley_" by default); counters end in `_total` as Prometheus wants.
 */
export class MetricSet {
  readonly connections: Counter<"namespace">;
  readonly disconnections: Counter<"namespace" | "reason">;
  readonly engineConnections: Counter;
  readonly engineDisconnections: Counter<"reason">;
  readonly packetsIn: Counter<"namespace">;
  readonly packetsOut: Counter<"namespace">;
  readonly bytesIn: Counter<"namespace">;
  readonly bytesOut: Counter<"namespace">;
  readonly fanOut: Histogram<"namespace">;
  readonly ackLatency: Histogram<"namespace" | "initiator">;
  readonly sendBufferOverflows: Counter;
  readonly slowClientDisconnects: Counter;
  readonly adapterRequests: Counter<"namespace" | "type">;
  readonly adapterTimeouts: Counter<"namespace" | "type">;
  readonly recoveryHits: Counter<"namespace">;
  readonly recoveryMisses: Counter<"namespace" | "reason">;
  readonly #names: string[] = [];
  readonly #registry: Registry;

  constructor(opts: MetricSetOptions, sources: ScrapeSources) {
    const { registry, prefix: p } = opts;
    this.#registry = registry;
    const registers = [registry];
    const n = (name: string): string => {
      this.#names.push(`${p}${name}`);
      return `${p}${name}`;
    };
    const nsp = ["namespace"] as const;
    new Gauge({
      name: n("sockets_connected"),
      help: "Sockets connected to this server, per namespace and transport",
      labelNames: ["namespace", "transport"],
      registers,
      collect() {
        this.reset();
        for (const [name, byTransport] of sources.sockets()) {
          for (const [transport, n] of byTransport) this.set({ namespace: name, transport }, n);
        }
      },
    });
    new Gauge({
      name: n("engine_clients"),
      help: "Engine.IO connections open on this server, per transport",
      labelNames: ["transport"],
      registers,
      collect() {
        this.reset();
        for (const [transport, n] of sources.engineClients()) this.set({ transport }, n);
      },
    });
    new Gauge({
      name: n("rooms"),
      help: "Rooms with local sockets in them, per namespace (each socket's own room included)",
      labelNames: nsp,
      registers,
      collect() {
        this.reset();
        for (const [namespace, n] of sources.rooms()) this.set({ namespace }, n);
      },
    });
    this.connections = new Counter({
      name: n("connections_total"),
      help: "Sockets that joined a namespace",
      labelNames: nsp,
      registers,
    });
    this.disconnections = new Counter({
      name: n("disconnections_total"),
      help: "Sockets that left a namespace, by disconnect reason",
      labelNames: ["namespace", "reason"],
      registers,
    });
    this.engineConnections = new Counter({
      name: n("engine_connections_total"),
      help: "Engine.IO connections opened (handshakes)",
      registers,
    });
    this.engineDisconnections = new Counter({
      name: n("engine_disconnections_total"),
      help: "Engine.IO connections closed, by reason",
      labelNames: ["reason"],
      registers,
    });
    const counter = (name: string, help: string) =>
      new Counter({ name: n(name), help, labelNames: nsp, registers });
    this.packetsIn = counter("packets_received_total", "Socket.IO packets received");
    this.packetsOut = counter("packets_sent_total", "Socket.IO packets sent (per recipient)");
    this.bytesIn = counter("bytes_received_total", "Bytes of Socket.IO packets received");
    this.bytesOut = counter("bytes_sent_total", "Bytes of Socket.IO packets sent");
    this.fanOut = new Histogram({
      name: n("broadcast_recipients"),
      help: "Local sockets each broadcast was handed to",
      labelNames: nsp,
      buckets: opts.fanOutBuckets,
      registers,
    });
    this.ackLatency = new Histogram({
      name: n("ack_latency_seconds"),
      help: "Time from an emit with an ack to its acknowledgement (initiator: who emitted)",
      labelNames: ["namespace", "initiator"],
      buckets: opts.ackBuckets,
      registers,
    });
    this.sendBufferOverflows = new Counter({
      name: n("send_buffer_overflows_total"),
      help: "Times a connection's send buffer was found over maxBufferedBytes",
      registers,
    });
    this.slowClientDisconnects = new Counter({
      name: n("slow_client_disconnects_total"),
      help: "Connections closed because their send buffer overflowed (slow clients cut off)",
      registers,
    });
    const typed = (name: string, help: string) =>
      new Counter({ name: n(name), help, labelNames: ["namespace", "type"], registers });
    this.adapterRequests = typed(
      "adapter_requests_total",
      "Requests this server's cluster adapter sent to the other servers",
    );
    this.adapterTimeouts = typed(
      "adapter_request_timeouts_total",
      "Cluster adapter requests that reached their timeout before every server answered",
    );
    this.recoveryHits = counter(
      "recovery_hits_total",
      "Sockets whose session was restored (connection state recovery)",
    );
    this.recoveryMisses = new Counter({
      name: n("recovery_misses_total"),
      help: "Sockets that asked to recover a session and got a fresh one, by reason",
      labelNames: ["namespace", "reason"],
      registers,
    });
  }

  /** Takes every metric off the registry. */
  unregister(): void {
    for (const name of this.#names) this.#registry.removeSingleMetric(name);
  }
}
