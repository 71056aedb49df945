import { deconstruct, hasBinary } from "./binary.js";
import { type BinaryData, toUint8Array } from "./binary-data.js";
import { type Packet, PacketType } from "./packet.js";

/**
 * The frames of one encoded packet: the text header/body first, then each binary attachment
 * in order. A packet without binary is a single string.
 */
export type EncodedPacket = [string, ...Uint8Array[]];

/**
 * Encodes a Socket.IO packet. EVENT and ACK packets that hold binary anywhere are sent as
 * BINARY_EVENT / BINARY_ACK with placeholders, whatever type the caller gave; a BINARY_* packet
 * that turns out to hold no binary is sent as plain EVENT / ACK, because official peers refuse
 * an attachment count of 0. Like JSON.stringify, it throws on data that cannot be serialised
 * (a cycle, a BigInt): that is a bug in the caller's data, not input from a peer.
 *
 * A broadcast calls this once for all its recipients, so the common case (no binary) costs one
 * walk of the data and one JSON.stringify.
 */
export function encodePacket(packet: Packet): EncodedPacket {
  const { type, data } = packet;
  if (type === PacketType.EVENT || type === PacketType.ACK) {
    if (typeof data !== "object" || data === null || !hasBinary(data)) {
      return [encodeText(type, packet.nsp, packet.id, data, -1)];
    }
  } else if (type !== PacketType.BINARY_EVENT && type !== PacketType.BINARY_ACK) {
    return [encodeText(type, packet.nsp, packet.id, data, -1)];
  }
  const buffers: BinaryData[] = [];
  const plain = deconstruct(data, buffers);
  const isEvent = type === PacketType.EVENT || type === PacketType.BINARY_EVENT;
  if (buffers.length === 0) {
    const plainType = isEvent ? PacketType.EVENT : PacketType.ACK;
    return [encodeText(plainType, packet.nsp, packet.id, plain, -1)];
  }
  const binaryType = isEvent ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
  const frames: EncodedPacket = [
    encodeText(binaryType, packet.nsp, packet.id, plain, buffers.length),
  ];
  for (let i = 0; i < buffers.length; i++) frames.push(toUint8Array(buffers[i] as BinaryData));
  return frames;
}

/** The text frame: `<type>[<attachments>-][<nsp>,][<id>][<json>]`; `attachments` -1 for none. */
function encodeText(
  type: PacketType,
  nsp: string,
  id: number | undefined,
  data: unknown,
  attachments: number,
): string {
  let out = TYPE_DIGITS[type] as string;
  if (attachments !== -1) out += `${attachments}-`;
  if (nsp !== "/" && nsp !== "") out += `${nsp},`;
  if (id !== undefined) out += id;
  if (data !== undefined) out += JSON.stringify(data);
  return out;
}

const TYPE_DIGITS = ["0", "1", "2", "3", "4", "5", "6"];
