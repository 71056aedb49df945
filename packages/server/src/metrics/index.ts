/**
 * `@parley/server/metrics`: Prometheus metrics of a Parley server through `prom-client`, on
 * the registry the app already scrapes. Opt-in: nothing here runs, and no listener exists,
 * until `attachMetrics` is called.
 *
 * ```ts
 * import { register } from "prom-client";
 * import { attachMetrics } from "@parley/server/metrics";
 * attachMetrics(io, { registry: register, path: "/metrics" });
 * ```
 */
import type { Server as HttpServer } from "node:http";
import { register as defaultRegistry, type Registry } from "prom-client";
import type { Server } from "../server.js";
import { mountMetricsRoute } from "./http-endpoint.js";
import { DEFAULT_ACK_BUCKETS, DEFAULT_FAN_OUT_BUCKETS, MetricSet } from "./metric-set.js";
import { ServerProbe } from "./server-probe.js";

export { UNKNOWN_NAMESPACE } from "./connection-probe.js";
export { DEFAULT_ACK_BUCKETS, DEFAULT_FAN_OUT_BUCKETS } from "./metric-set.js";
export { OTHER_NAMESPACE } from "./server-probe.js";

export interface MetricsOptions {
  /** The registry to register on (default: prom-client's global `register`). */
  registry?: Registry;
  /**
   * Where to serve the registry's text on the server's HTTP server (default "/metrics"), or
   * false to serve it yourself (`registry.metrics()`).
   */
  path?: string | false;
  /** Prefix of every metric name (default "parley_"). */
  prefix?: string;
  /**
   * The `namespace` label of a namespace name. Default: its name if the server has that
   * namespace, "(other)" if not (a client may name any). With many dynamic namespaces
   * (`/user-123`), map them to a few labels to keep the series count bounded; the function
   * sees every name a client sends, so it must return a bounded set of labels.
   */
  namespaceLabel?: (name: string) => string;
  /** Buckets of `broadcast_recipients` (sockets per broadcast). */
  fanOutBuckets?: number[];
  /** Buckets of `ack_latency_seconds`. */
  ackBuckets?: number[];
}

export interface ParleyMetrics {
  readonly registry: Registry;
  /** Stops counting, takes the metrics off the registry and the route off the HTTP server. */
  close(): void;
}

// biome-ignore lint/suspicious/noExplicitAny: metrics observe servers of any event maps
type AnyServer = Server<any, any, any, any>;

/**
 * Starts counting `io`'s sockets, packets, bytes, broadcasts, acks, overflows, cluster
 * requests and recoveries into `registry`, and serves it at `path` on `io`'s HTTP server.
 * Call it once the server is attached (`new Server(http)` or `io.attach(http)`).
 */
export function attachMetrics(io: AnyServer, opts: MetricsOptions = {}): ParleyMetrics {
  if (io.engine === undefined) {
    throw new Error(
      "attachMetrics(io): the server has no engine yet; attach it to an HTTP server first " +
        "(new Server(httpServer) or io.attach(httpServer))",
    );
  }
  const path = opts.path ?? "/metrics";
  if (path !== false && !path.startsWith("/")) {
    throw new TypeError(`attachMetrics(io): path must start with "/" (got "${path}")`);
  }
  const http = io.httpServer as HttpServer | undefined;
  if (path !== false && http === undefined) {
    throw new Error(
      "attachMetrics(io): the server is bound to an engine, not an HTTP server: pass " +
        "path: false and serve registry.metrics() yourself",
    );
  }
  const registry = opts.registry ?? defaultRegistry;
  let probe: ServerProbe | undefined;
  const metrics = new MetricSet(
    {
      registry,
      prefix: opts.prefix ?? "parley_",
      fanOutBuckets: opts.fanOutBuckets ?? DEFAULT_FAN_OUT_BUCKETS,
      ackBuckets: opts.ackBuckets ?? DEFAULT_ACK_BUCKETS,
    },
    {
      sockets: () => probe?.sockets() ?? new Map(),
      engineClients: () => probe?.engineClients() ?? new Map(),
      rooms: () => probe?.rooms() ?? new Map(),
    },
  );
  probe = new ServerProbe(io, metrics, opts.namespaceLabel);
  probe.start();
  const unmount =
    path === false || http === undefined ? undefined : mountMetricsRoute(http, path, registry);
  let closed = false;
  return {
    registry,
    close() {
      if (closed) return;
      closed = true;
      unmount?.();
      probe?.stop();
      metrics.unregister();
    },
  };
}
