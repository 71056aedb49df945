/**
 * `@parley/server/dashboard`: a live dashboard served by the server itself, behind a
 * credential. Opt-in: nothing here runs until `attachDashboard` is called.
 *
 * ```ts
 * import { attachDashboard } from "@parley/server/dashboard";
 * attachDashboard(io, { path: "/parley", credential: process.env.DASHBOARD_CREDENTIAL });
 * ```
 */
import type { Server as HttpServer } from "node:http";
import { hostname } from "node:os";
import { randomId } from "../engine/random-id.js";
import { interceptRequests } from "../metrics/http-endpoint.js";
import { DashboardAuth, MIN_CREDENTIAL_LENGTH } from "./auth.js";
import { createRoutes } from "./routes.js";
import { Sampler } from "./sampler.js";
import { gatherCluster, type NodeSnapshot, SNAPSHOT_EVENT, takeSnapshot } from "./snapshot.js";
import type { AnyServer } from "./types.js";

export { MIN_CREDENTIAL_LENGTH } from "./auth.js";
export type { Sample } from "./sampler.js";
export type { NamespaceRow, NodeSnapshot, SocketRow } from "./snapshot.js";

export interface DashboardOptions {
  /**
   * Required: the secret that opens the dashboard (at least 12 characters). There is no
   * default: a dashboard can see every socket and disconnect any of them.
   */
  credential: string;
  /** Where it is served (default "/parley-dashboard"). */
  path?: string;
  /** This node's name in a cluster view (default `<hostname>#<pid>-<random>`). */
  nodeId?: string;
  /** How often a point is added to the charts, in ms (default 1000). */
  sampleIntervalMs?: number;
  /** Points kept per chart (default 300: five minutes at the default interval). */
  samples?: number;
  /** Sockets listed per node (default 500) and rooms per namespace (default 100). */
  maxSockets?: number;
  maxRooms?: number;
  /** How long a browser login lasts (default 8 hours). */
  sessionTtlMs?: number;
}

export interface ParleyDashboard {
  readonly path: string;
  readonly nodeId: string;
  /** This node's snapshot, as the dashboard shows it. */
  snapshot(): NodeSnapshot;
  /** Stops sampling, answering other nodes, and serving the route. */
  close(): void;
}

/**
 * Serves a live dashboard of `io` at `path` on its HTTP server: sockets, rooms, namespaces,
 * charts of rates over time, every node of the cluster (each node that attached a dashboard
 * answers the others through the adapter), and a button to disconnect a socket.
 * Throws at once when the credential is missing or too short.
 */
export function attachDashboard(io: AnyServer, opts: DashboardOptions): ParleyDashboard {
  const credential = (opts as Partial<DashboardOptions> | undefined)?.credential;
  if (typeof credential !== "string" || credential.length < MIN_CREDENTIAL_LENGTH) {
    throw new Error(
      `attachDashboard(io, { credential }): a credential of at least ${MIN_CREDENTIAL_LENGTH} ` +
        "characters is required (there is no default password): the dashboard can see and " +
        "disconnect every socket. Pass a secret, e.g. from an environment variable.",
    );
  }
  const http = io.httpServer;
  if (io.engine === undefined || http === undefined) {
    throw new Error(
      "attachDashboard(io): the server is not attached to an HTTP server; call it after " +
        "new Server(httpServer) or io.attach(httpServer)",
    );
  }
  const path = (opts.path ?? "/parley-dashboard").replace(/\/+$/, "");
  if (!path.startsWith("/") || path.length < 2) {
    throw new TypeError(
      `attachDashboard(io): path must start with "/" and name a route (got "${opts.path}")`,
    );
  }
  const nodeId = opts.nodeId ?? `${hostname()}#${process.pid}-${randomId().slice(0, 6)}`;
  const limits = { maxSockets: opts.maxSockets ?? 500, maxRooms: opts.maxRooms ?? 100 };
  const sessionTtlMs = opts.sessionTtlMs ?? 8 * 3600_000;
  const sampler = new Sampler(io, opts.sampleIntervalMs ?? 1000, opts.samples ?? 300);
  const snapshot = () => takeSnapshot(io, nodeId, sampler, limits);

  // Other nodes' dashboards ask for this one's snapshot through the adapter.
  const answer = (reply: unknown) => {
    if (typeof reply === "function") reply(snapshot());
  };
  io.on(SNAPSHOT_EVENT, answer);

  const auth = new DashboardAuth({
    credential,
    sessionTtlMs,
    maxSessions: 100,
    maxFailuresPerMinute: 20,
  });
  const route = createRoutes(
    path,
    auth,
    {
      async stats(cluster) {
        const local = snapshot();
        if (!cluster) return { self: nodeId, nodes: [local], missing: undefined };
        const { nodes, missing } = await gatherCluster(io, local);
        return { self: nodeId, nodes, missing };
      },
      disconnect(nsp, id, close) {
        if (!io._nsps.has(nsp)) return false;
        // Through the adapter: the socket may be on any node of the cluster.
        io.of(nsp).in(id).disconnectSockets(close);
        return true;
      },
    },
    sessionTtlMs,
  );

  // In front of the app and the engine; other URLs pass through to them unchanged.
  const unmount = interceptRequests(http as HttpServer, route);

  let closed = false;
  return {
    path,
    nodeId,
    snapshot,
    close() {
      if (closed) return;
      closed = true;
      sampler.stop();
      io.sockets.off(SNAPSHOT_EVENT, answer);
      unmount();
    },
  };
}
