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
 * BINARY_EVENT / BINARY_ACK with placeholders, whatever type the caller gave.
 */
export function encodePacket(packet: Packet): EncodedPacket {
  let { type } = packet;
  if ((type === PacketType.EVENT || type === PacketType.ACK) && hasBinary(packet.data)) {
    type = type === PacketType.EVENT ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
  }
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    const buffers: BinaryData[] = [];
    const data = deconstruct(packet.data, buffers);
    const text = encodeText(type, packet.nsp, packet.id, data, buffers.length);
    return [text, ...buffers.map(toUint8Array)];
  }
  return [encodeText(type, packet.nsp, packet.id, packet.data, undefined)];
}

function encodeText(
  type: PacketType,
  nsp: string,
  id: number | undefined,
  data: unknown,
  attachments: number | undefined,
): string {
  let out = String(type);
  if (attachments !== undefined) out += `${attachments}-`;
  if (nsp !== "/" && nsp !== "") out += `${nsp},`;
  if (id !== undefined) out += id;
  if (data !== undefined) out += JSON.stringify(data);
  return out;
}
