// Interop with the official parsers: what Parley encodes, socket.io-parser / engine.io-parser
// decode to the same packet, and the other way round. Covers fixed cases and random ones.

import {
  decodeEnginePacket,
  decodePayload,
  type EnginePacket,
  encodeEnginePacket,
  encodeEnginePacketAsText,
  encodePacket,
  encodePayload,
  type Packet,
  PacketType,
  type RawData,
} from "@parley/protocol";
import * as eio from "engine.io-parser";
import fc from "fast-check";
import { Decoder, Encoder } from "socket.io-parser";
import { describe, expect, it } from "vitest";
import { engineTextPacket, socketPacket } from "./arbitraries.js";
import { bytes, decodeOne, normalize } from "./helpers.js";

/** Decodes frames with the official socket.io-parser; returns the one decoded packet. */
function officialDecode(frames: readonly RawData[]): unknown {
  const decoder = new Decoder({ maxAttachments: 10_000 });
  const decoded: unknown[] = [];
  decoder.on("decoded", (packet: unknown) => decoded.push(packet));
  for (const frame of frames) decoder.add(frame);
  decoder.destroy();
  expect(decoded).toHaveLength(1);
  return decoded[0];
}

function officialEncode(packet: Packet): RawData[] {
  return new Encoder().encode(packet) as RawData[];
}

/**
 * The official decoder reports BINARY_* as EVENT/ACK and drops `attachments`; map ours the same
 * way before comparing.
 */
function asOfficial(packet: Packet): unknown {
  const type =
    packet.type === PacketType.BINARY_EVENT
      ? PacketType.EVENT
      : packet.type === PacketType.BINARY_ACK
        ? PacketType.ACK
        : packet.type;
  const out: Record<string, unknown> = { type, nsp: packet.nsp };
  if (packet.data !== undefined) out.data = packet.data;
  if (packet.id !== undefined) out.id = packet.id;
  return normalize(out);
}

const cases: Packet[] = [
  { type: PacketType.CONNECT, nsp: "/" },
  { type: PacketType.CONNECT, nsp: "/admin", data: { token: "123" } },
  { type: PacketType.CONNECT, nsp: "/", data: { sid: "wZX3oN0bSVIhsaknAAAI", pid: "p" } },
  { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "Not authorized" } },
  { type: PacketType.DISCONNECT, nsp: "/admin" },
  { type: PacketType.EVENT, nsp: "/", data: ["chat", { text: "hello", user: "ann" }] },
  { type: PacketType.EVENT, nsp: "/admin", data: ["foo", 1, null, "€😀"], id: 13 },
  { type: PacketType.ACK, nsp: "/", data: [], id: 0 },
  { type: PacketType.EVENT, nsp: "/", data: ["baz", bytes(1, 2, 3, 4)] },
  { type: PacketType.ACK, nsp: "/admin", data: [{ a: [bytes(1), bytes(2)] }], id: 99 },
];

describe("Socket.IO packets against socket.io-parser", () => {
  for (const packet of cases) {
    const label = JSON.stringify(normalize(packet));
    it(`Parley encodes, socket.io-parser decodes: ${label}`, () => {
      const ours = encodePacket(packet);
      expect(normalize(officialDecode(ours))).toEqual(asOfficial(decodeOne(ours)));
      expect(normalize(officialDecode(ours))).toEqual(asOfficial(packet));
    });

    it(`socket.io-parser encodes, Parley decodes: ${label}`, () => {
      const theirs = officialEncode(packet);
      expect(normalize(theirs)).toEqual(normalize(encodePacket(packet)));
      expect(asOfficial(decodeOne(theirs))).toEqual(asOfficial(packet));
    });
  }

  it("agrees both ways on random packets", () => {
    fc.assert(
      fc.property(socketPacket, (packet) => {
        const ours = encodePacket(packet);
        const theirs = officialEncode(packet);
        expect(normalize(ours)).toEqual(normalize(theirs));
        expect(normalize(officialDecode(ours))).toEqual(asOfficial(packet));
        expect(asOfficial(decodeOne(theirs))).toEqual(asOfficial(packet));
      }),
      { numRuns: 300 },
    );
  });
});

function officialEncodeEngine(packet: EnginePacket, supportsBinary: boolean): RawData {
  let out: RawData | undefined;
  eio.encodePacket(packet, supportsBinary, (encoded) => {
    out = encoded as RawData;
  });
  return out as RawData;
}

function officialEncodePayload(packets: EnginePacket[]): string {
  let out: string | undefined;
  eio.encodePayload(packets, (encoded) => {
    out = encoded;
  });
  return out as string;
}

const enginePackets: EnginePacket[] = [
  { type: "open", data: '{"sid":"abc","upgrades":["websocket"],"pingInterval":25000}' },
  { type: "close" },
  { type: "ping" },
  { type: "ping", data: "probe" },
  { type: "pong", data: "probe" },
  { type: "message", data: '2["hello"]' },
  { type: "message", data: bytes(1, 2, 3, 4) },
  { type: "message", data: bytes() },
  { type: "upgrade" },
  { type: "noop" },
];

describe("Engine.IO packets and payloads against engine.io-parser", () => {
  for (const packet of enginePackets) {
    const label = JSON.stringify(normalize(packet));
    it(`single packet, both directions, both framings: ${label}`, () => {
      const ws = encodeEnginePacket(packet);
      const text = encodeEnginePacketAsText(packet);
      expect(normalize(ws)).toEqual(normalize(officialEncodeEngine(packet, true)));
      expect(text).toBe(officialEncodeEngine(packet, false));
      expect(normalize(eio.decodePacket(ws))).toEqual(normalize(packet));
      expect(normalize(eio.decodePacket(text))).toEqual(normalize(packet));
      expect(normalize(decodeEnginePacket(officialEncodeEngine(packet, false)))).toEqual(
        normalize(packet),
      );
    });
  }

  it("a payload of every packet, both directions", () => {
    const ours = encodePayload(enginePackets);
    expect(ours).toBe(officialEncodePayload(enginePackets));
    expect(normalize(eio.decodePayload(ours))).toEqual(normalize(enginePackets));
    expect(normalize(decodePayload(officialEncodePayload(enginePackets)))).toEqual(
      normalize(enginePackets),
    );
  });

  it("agrees both ways on random payloads", () => {
    const packet = fc.oneof(
      engineTextPacket,
      fc.uint8Array({ maxLength: 64 }).map((data): EnginePacket => ({ type: "message", data })),
    );
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 8 }), (packets) => {
        const ours = encodePayload(packets);
        expect(ours).toBe(officialEncodePayload(packets));
        expect(normalize(eio.decodePayload(ours))).toEqual(normalize(packets));
        expect(normalize(decodePayload(ours))).toEqual(normalize(packets));
      }),
      { numRuns: 300 },
    );
  });
});
