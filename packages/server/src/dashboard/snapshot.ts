import type { Sample, Sampler } from "./sampler.js";
import type { AnyServer } from "./types.js";

export interface SocketRow {
  readonly id: string;
  readonly nsp: string;
  readonly transport: string;
  readonly address: string;
  /** When the handshake happened (ms since the epoch). */
  readonly since: number;
  /** Rooms other than its own. */
  readonly rooms: string[];
}

export interface NamespaceRow {
  readonly name: string;
  readonly sockets: number;
  /** Named rooms (not sockets' own rooms) with their size, largest first. */
  readonly rooms: { name: string; size: number }[];
}

/** What one node shows of itself. Plain JSON: it travels between servers. */
export interface NodeSnapshot {
  readonly node: string;
  readonly pid: number;
  readonly uptime: number;
  readonly now: Sample;
  readonly samples: readonly Sample[];
  readonly closeReasons: Record<string, number>;
  readonly namespaces: NamespaceRow[];
  readonly sockets: SocketRow[];
  /** Whether `sockets` was cut at the limit. */
  readonly truncated: boolean;
}

export interface SnapshotLimits {
  readonly maxSockets: number;
  readonly maxRooms: number;
}

/** This node's sockets, rooms and namespaces, cut at the limits. */
export function takeSnapshot(
  io: AnyServer,
  node: string,
  sampler: Sampler,
  limits: SnapshotLimits,
): NodeSnapshot {
  const namespaces: NamespaceRow[] = [];
  const sockets: SocketRow[] = [];
  let truncated = false;
  for (const nsp of io._nsps.values()) {
    const rooms: { name: string; size: number }[] = [];
    for (const [room, members] of nsp.adapter.rooms) {
      // A socket's own room is its id, and it is its only member.
      if (members.size === 1 && members.has(room)) continue;
      rooms.push({ name: room, size: members.size });
    }
    rooms.sort((a, b) => b.size - a.size);
    namespaces.push({
      name: nsp.name,
      sockets: nsp.sockets.size,
      rooms: rooms.slice(0, limits.maxRooms),
    });
    for (const socket of nsp.sockets.values()) {
      if (sockets.length >= limits.maxSockets) {
        truncated = true;
        break;
      }
      const own = [...(nsp.adapter.socketRooms(socket.id) ?? [])].filter((r) => r !== socket.id);
      sockets.push({
        id: socket.id,
        nsp: nsp.name,
        transport: socket.conn.transport.name,
        address: socket.conn.remoteAddress,
        since: socket.handshake.issued,
        rooms: own.slice(0, limits.maxRooms),
      });
    }
  }
  return {
    node,
    pid: process.pid,
    uptime: process.uptime(),
    now: sampler.now(),
    samples: sampler.samples,
    closeReasons: sampler.closeReasons,
    namespaces,
    sockets,
    truncated,
  };
}

/** The event each node's dashboard answers with its snapshot (server-side emit). */
export const SNAPSHOT_EVENT = "parley:dashboard:snapshot";

/**
 * This node's snapshot and every other node's that answers within the adapter's request
 * timeout (nodes without a dashboard attached never answer: their absence is reported, the
 * others are shown).
 */
export function gatherCluster(
  io: AnyServer,
  local: NodeSnapshot,
): Promise<{ nodes: NodeSnapshot[]; missing: string | undefined }> {
  return new Promise((resolve) => {
    const collect = (err: Error | null, replies: unknown[]) => {
      const others = (replies ?? []).filter(isSnapshot);
      resolve({
        nodes: [local, ...others],
        missing: err === null || err === undefined ? undefined : err.message,
      });
    };
    // Straight to the adapter: the event is the dashboard's, not one of the app's typed ones.
    io.sockets.adapter.serverSideEmit([SNAPSHOT_EVENT, collect]);
  });
}

function isSnapshot(value: unknown): value is NodeSnapshot {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as NodeSnapshot).node === "string" &&
    Array.isArray((value as NodeSnapshot).sockets)
  );
}
