import type { BroadcastFlags, ClusterMessage, SerializedBroadcastOptions } from "@parley/server";

/**
 * Checks that a decoded value is a well-formed cluster message, so that anything else on our
 * channels (another application's traffic, a hand-typed PUBLISH, a newer protocol) is dropped
 * before the adapter acts on it. Returns the reason it was rejected, or the message.
 */
export function validateMessage(value: unknown): ClusterMessage | string {
  if (!isRecord(value)) return "not an object";
  const { type, uid, nsp } = value;
  if (typeof uid !== "string" || uid === "") return "missing uid";
  if (typeof nsp !== "string") return "missing nsp";
  if (typeof type !== "string") return "missing type";
  const check = CHECKS[type];
  if (check === undefined) return `unknown type ${JSON.stringify(type).slice(0, 40)}`;
  const problem = check(value);
  return problem ?? (value as unknown as ClusterMessage);
}

type Check = (m: Record<string, unknown>) => string | undefined;

const requestId: Check = (m) =>
  typeof m.requestId === "string" && m.requestId !== "" ? undefined : "bad requestId";
const optionalRequestId: Check = (m) => (m.requestId === undefined ? undefined : requestId(m));

const CHECKS: Record<string, Check> = {
  "initial-heartbeat": () => undefined,
  heartbeat: () => undefined,
  "adapter-close": () => undefined,
  broadcast: (m) =>
    optionalRequestId(m) ??
    checkPacket(m.packet) ??
    checkOpts(m, "opts") ??
    (m.id === undefined || typeof m.id === "string" ? undefined : "bad id"),
  "broadcast-client-count": (m) =>
    requestId(m) ??
    (Number.isSafeInteger(m.clientCount) && (m.clientCount as number) >= 0
      ? undefined
      : "bad clientCount"),
  "broadcast-ack": requestId,
  "sockets-join": (m) => optionalRequestId(m) ?? checkOpts(m, "opts") ?? checkRooms(m.rooms),
  "sockets-leave": (m) => optionalRequestId(m) ?? checkOpts(m, "opts") ?? checkRooms(m.rooms),
  "sockets-applied": requestId,
  "disconnect-sockets": (m) =>
    checkOpts(m, "opts") ?? (typeof m.close === "boolean" ? undefined : "bad close"),
  "fetch-sockets": (m) => requestId(m) ?? checkOpts(m, "opts"),
  "fetch-sockets-response": (m) => requestId(m) ?? checkSockets(m.sockets),
  "server-side-emit": (m) =>
    optionalRequestId(m) ??
    (Array.isArray(m.packet) && typeof m.packet[0] === "string" ? undefined : "bad packet"),
  "server-side-emit-response": requestId,
  "restore-session": (m) =>
    requestId(m) ??
    (typeof m.pid === "string" && typeof m.offset === "string" ? undefined : "bad pid or offset"),
  "restore-session-response": (m) =>
    requestId(m) ??
    checkRestored(m.session) ??
    (m.session === null ? checkReason(m.reason) : checkHandover(m)),
  "restore-session-tail": (m) =>
    requestId(m) ??
    (typeof m.holder === "string" && typeof m.from === "string" ? undefined : "bad holder") ??
    checkRooms(m.rooms),
  "restore-session-tail-response": (m) => requestId(m) ?? checkTail(m.tail),
};

const REASONS = new Set([
  "session_unknown",
  "session_expired",
  "history_evicted",
  "holder_unreachable",
  "handover_failed",
]);

function checkReason(reason: unknown): string | undefined {
  return reason === undefined || (typeof reason === "string" && REASONS.has(reason))
    ? undefined
    : "bad reason";
}

/** A handed-over session comes with one id per missed packet and the holder's position. */
function checkHandover(m: Record<string, unknown>): string | undefined {
  const session = m.session as { missedPackets: unknown[] };
  if (typeof m.from !== "string") return "bad from";
  const ids = m.ids;
  if (!Array.isArray(ids) || ids.length !== session.missedPackets.length) return "bad ids";
  return ids.every((id) => typeof id === "string") ? undefined : "bad ids";
}

function checkTail(tail: unknown): string | undefined {
  if (tail === null) return undefined;
  if (!isRecord(tail) || !Array.isArray(tail.ids) || !Array.isArray(tail.packets)) {
    return "bad tail";
  }
  if (tail.ids.length !== tail.packets.length || !tail.ids.every((id) => typeof id === "string")) {
    return "bad tail ids";
  }
  return tail.packets.every(isPacketFrames) ? undefined : "bad tail packets";
}

function isPacketFrames(p: unknown): boolean {
  return Array.isArray(p) && p.every((f) => typeof f === "string" || f instanceof Uint8Array);
}

/** A session handed over for connection state recovery, or null (not held by the sender). */
function checkRestored(session: unknown): string | undefined {
  if (session === null) return undefined;
  if (!isRecord(session)) return "bad session";
  if (typeof session.sid !== "string" || typeof session.pid !== "string") return "bad session id";
  if (checkRooms(session.rooms) !== undefined) return "bad session rooms";
  const missed = session.missedPackets;
  if (!Array.isArray(missed) || !missed.every(isPacketFrames)) return "bad missed packets";
  return undefined;
}

/** Broadcasts carry EVENT (2) or BINARY_EVENT (5) packets whose data starts with the event name. */
function checkPacket(packet: unknown): string | undefined {
  if (!isRecord(packet)) return "bad packet";
  if (packet.type !== 2 && packet.type !== 5) return "bad packet type";
  if (!Array.isArray(packet.data) || typeof packet.data[0] !== "string") return "bad packet data";
  if (packet.nsp !== undefined && typeof packet.nsp !== "string") return "bad packet nsp";
  // Ack ids are assigned by each receiving server; attachments by its encoder.
  delete packet.id;
  delete packet.attachments;
  return undefined;
}

function checkRooms(rooms: unknown): string | undefined {
  return Array.isArray(rooms) && rooms.every((r) => typeof r === "string")
    ? undefined
    : "bad rooms";
}

const FLAG_TYPES: Record<keyof BroadcastFlags, "boolean" | "number"> = {
  volatile: "boolean",
  compress: "boolean",
  local: "boolean",
  timeout: "number",
  expectSingleResponse: "boolean",
};

/** Checks `m[key]` and rewrites it with only the known flags. */
function checkOpts(m: Record<string, unknown>, key: string): string | undefined {
  const opts = m[key];
  if (!isRecord(opts)) return "bad opts";
  if (checkRooms(opts.rooms) !== undefined || checkRooms(opts.except ?? []) !== undefined) {
    return "bad opts rooms";
  }
  const flags: Record<string, unknown> = {};
  if (opts.flags !== undefined) {
    if (!isRecord(opts.flags)) return "bad flags";
    for (const [name, type] of Object.entries(FLAG_TYPES)) {
      const value = opts.flags[name];
      if (value === undefined) continue;
      if (typeof value !== type) return `bad flag ${name}`;
      if (type === "number" && !(Number.isFinite(value) && (value as number) >= 0)) {
        return `bad flag ${name}`;
      }
      flags[name] = value;
    }
  }
  const clean: SerializedBroadcastOptions = {
    rooms: opts.rooms as string[],
    except: (opts.except ?? []) as string[],
    flags: flags as BroadcastFlags,
  };
  m[key] = clean;
  return undefined;
}

function checkSockets(sockets: unknown): string | undefined {
  if (!Array.isArray(sockets)) return "bad sockets";
  for (const s of sockets) {
    if (!isRecord(s) || typeof s.id !== "string" || !isRecord(s.handshake)) return "bad socket";
    if (checkRooms(s.rooms) !== undefined) return "bad socket rooms";
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
