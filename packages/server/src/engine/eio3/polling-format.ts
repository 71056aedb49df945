import type { EnginePacket } from "@parley/protocol";
import {
  decodeBinaryPayloadV3,
  decodePayloadV3,
  encodeBinaryPayloadV3,
  encodePacketAsTextV3,
  payloadPartV3,
} from "@parley/protocol/v3";
import type { PreparedMessage } from "../contract.js";
import { isPrepared, type OutgoingItem } from "../core/transport.js";
import type { PollingBody, PollingFormat } from "../wire-format.js";

/**
 * Engine.IO v3 long-polling (engine.io-client 3.x over XHR). Text bodies frame each packet as
 * `<length>:<packet>`; binary goes as `b4<base64>`, unless the client takes binary (it did not
 * send `b64=1` at its handshake) and the batch holds some: then the whole response is a v3
 * binary payload (`application/octet-stream`), as engine.io answers XHR2 clients. Requests
 * may be either kind.
 */

/** A broadcast's share of a v3 text body, encoded once for every v3 polling recipient. */
export function textParts(message: PreparedMessage): string {
  const cached = message.cache.get("polling-v3") as string | undefined;
  if (cached !== undefined) return cached;
  let out = "";
  for (const frame of message.frames) {
    const text = typeof frame === "string" ? `4${frame}` : encodePacketAsTextV3(messageOf(frame));
    out += payloadPartV3(text);
  }
  message.cache.set("polling-v3", out);
  return out;
}

function messageOf(data: string | Uint8Array): EnginePacket {
  return { type: "message", data };
}

function holdsBinary(items: readonly OutgoingItem[]): boolean {
  for (const item of items) {
    if (isPrepared(item)) {
      for (const frame of item.frames) if (typeof frame !== "string") return true;
    } else if (item.data instanceof Uint8Array) {
      return true;
    }
  }
  return false;
}

function wantsCompression(items: readonly OutgoingItem[]): boolean {
  for (const item of items) {
    if (isPrepared(item) ? item.options.compress !== false : item.compress !== false) return true;
  }
  return false;
}

/** The text body: what every v3 client reads. */
export function encodeTextBody(items: readonly OutgoingItem[]): PollingBody {
  let body = "";
  for (const item of items) {
    body += isPrepared(item) ? textParts(item) : payloadPartV3(encodePacketAsTextV3(item));
  }
  return { body: body === "" ? "0:" : body, compress: wantsCompression(items) };
}

function encodeBinaryBody(items: readonly OutgoingItem[]): PollingBody {
  const packets: EnginePacket[] = [];
  for (const item of items) {
    if (isPrepared(item)) for (const frame of item.frames) packets.push(messageOf(frame));
    else packets.push(item);
  }
  return { body: encodeBinaryPayloadV3(packets), compress: wantsCompression(items) };
}

function decode(body: Buffer, binary: boolean, maxPackets: number) {
  return binary
    ? decodeBinaryPayloadV3(body, { maxPackets })
    : decodePayloadV3(body.toString("utf8"), { maxPackets });
}

/** XHR2 clients: binary payloads when a batch holds binary. */
export const ENGINE_V3_POLLING: PollingFormat = {
  encode: (items) => (holdsBinary(items) ? encodeBinaryBody(items) : encodeTextBody(items)),
  binaryBodies: true,
  decode,
};

/** Clients that asked for `b64=1` at their handshake: text bodies only. */
export const ENGINE_V3_POLLING_BASE64: PollingFormat = {
  encode: encodeTextBody,
  binaryBodies: true,
  decode,
};
