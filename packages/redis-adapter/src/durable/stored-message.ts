import type { Packet } from "@parley/protocol";
import type { BroadcastOptions, ClusterMessage } from "@parley/server";
import { encode } from "../codec.js";
import { validateMessage } from "../validate.js";

/**
 * The form of a stored broadcast, in the stream and on the wire: a JSON array (or the codec's
 * binary envelope around one) `[uid, rooms, except, data]`, with the flags as a fifth element
 * when there are any. Everything else a `broadcast` cluster message spells out is implied by
 * the stream or channel it travels on (the namespace) or by what gets stored at all (an EVENT
 * packet without an ack id), so it is not sent: the message crosses Redis twice or more (into
 * the stream, then once per subscribed server) and its size is most of a broadcast's cost.
 * The uid stays first, so a server spots its own echo by a prefix compare.
 *
 *   {"uid":"…","nsp":"/","type":"broadcast","packet":{"type":2,"nsp":"/","data":[…]},
 *    "opts":{"rooms":["r"],"except":[],"flags":{}}}            (what it was: ~130 bytes + data)
 *   ["…",["r"],[],[…]]                                          (now: ~26 bytes + data)
 */
export function encodeStored(uid: string, packet: Packet, opts: BroadcastOptions): string | Buffer {
  const flags = opts.flags;
  const compact: unknown[] = [uid, [...opts.rooms], [...(opts.except ?? [])], packet.data];
  if (flags !== undefined && Object.keys(flags).length > 0) compact.push(flags);
  return encode(compact);
}

/** The `["<uid>"` prefix of this server's own stored broadcasts. */
export function ownStoredPrefix(uid: string): Buffer {
  return Buffer.from(`[${JSON.stringify(uid)}`);
}

/**
 * The cluster message a decoded stored broadcast stands for (checked as any other), or why
 * it is malformed. Histories written before this form (a full cluster message) pass through.
 */
export function storedToMessage(decoded: unknown, nsp: string): ClusterMessage | string {
  if (!Array.isArray(decoded)) return validateMessage(decoded);
  if (decoded.length < 4 || decoded.length > 5) return "bad stored broadcast";
  const [uid, rooms, except, data, flags] = decoded as unknown[];
  return validateMessage({
    uid,
    nsp,
    type: "broadcast",
    packet: { type: 2, nsp, data },
    opts: { rooms, except, flags: flags ?? {} },
  });
}
