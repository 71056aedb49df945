import type { RawData } from "@parley/protocol";
import type { MessageData, PacketInfo, TransportName } from "./contract.js";
import type { CoreOptions } from "./options.js";
import { isPrepared, type OutgoingItem, type Transport } from "./transport.js";

/** What a session puts on the wire, and how much of it: helpers with no session state. */

export function itemSize(item: OutgoingItem): number {
  if (isPrepared(item)) {
    let size = item.cache.get("size") as number | undefined;
    if (size === undefined) {
      size = 0;
      for (const frame of item.frames)
        size += typeof frame === "string" ? frame.length : frame.byteLength;
      item.cache.set("size", size);
    }
    return size;
  }
  const { data } = item;
  return data === undefined ? 1 : typeof data === "string" ? data.length + 1 : data.byteLength;
}

/**
 * The open packet after its sid, per engine options and upgrade list: only the sid differs
 * between sessions, so the rest is serialized once.
 */
const openTails = new WeakMap<object, Map<readonly TransportName[], string>>();

/**
 * The OPEN packet's data: the sid, the upgrades `transport` offers (those the engine serves,
 * when upgrades are allowed), the heartbeat and `maxPayload`.
 */
export function openPacket<Req>(opts: CoreOptions<Req>, sid: string, transport: Transport): string {
  let tails = openTails.get(opts);
  if (tails === undefined) {
    tails = new Map();
    openTails.set(opts, tails);
  }
  let tail = tails.get(transport.upgradesTo);
  if (tail === undefined) {
    const upgrades = opts.allowUpgrades
      ? transport.upgradesTo.filter((name) => opts.transports.has(name))
      : [];
    tail = JSON.stringify({
      upgrades,
      pingInterval: opts.pingInterval,
      pingTimeout: opts.pingTimeout,
      maxPayload: opts.maxHttpBufferSize,
    }).slice(1);
    tails.set(transport.upgradesTo, tail);
  }
  return `{"sid":${JSON.stringify(sid)},${tail}`;
}

export function asBuffer(data: RawData): RawData {
  if (typeof data === "string" || Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * What `send` puts on the wire for `data`: text as is, any binary (ArrayBuffer, typed array,
 * DataView) as a view on exactly its bytes, no data as an empty message. Anything else is
 * sent as its string form, as engine.io does.
 */
export function messageData(data: MessageData): RawData | undefined {
  if (typeof data === "string" || data instanceof Uint8Array) return data;
  if (data === null || data === undefined) return undefined;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return String(data);
}

/** The packets an outgoing item stands for, as engine.io's `flush` event lists them. */
export function packetsOf(items: readonly OutgoingItem[]): PacketInfo[] {
  const out: PacketInfo[] = [];
  for (const item of items) {
    if (isPrepared(item)) {
      const options = { compress: item.options.compress !== false };
      for (const data of item.frames) out.push({ type: "message", data, options });
    } else {
      const options = { compress: item.compress !== false };
      out.push(
        item.data === undefined
          ? { type: item.type, options }
          : { type: item.type, data: item.data, options },
      );
    }
  }
  return out;
}
