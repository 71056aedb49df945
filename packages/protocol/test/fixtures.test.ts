// Byte-exact fixtures: every packet form shown in the Engine.IO v4 and Socket.IO v5 protocol
// documents (socketio/engine.io-protocol and socketio/socket.io-protocol READMEs, including
// their sample session) must encode to exactly the documented wire form and decode back.

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
import { describe, expect, it } from "vitest";
import { bytes, decodeOne, normalize } from "./helpers.js";

const HANDSHAKE =
  '{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}';

/** [name, packet, frame] — one Engine.IO packet and its transport frame. */
const engineFixtures: [string, EnginePacket, RawData][] = [
  ["open with handshake JSON", { type: "open", data: HANDSHAKE }, `0${HANDSHAKE}`],
  ["close", { type: "close" }, "1"],
  ["ping", { type: "ping" }, "2"],
  ["pong", { type: "pong" }, "3"],
  ["ping probe", { type: "ping", data: "probe" }, "2probe"],
  ["pong probe", { type: "pong", data: "probe" }, "3probe"],
  ["message text", { type: "message", data: "hello" }, "4hello"],
  ["message HelloWorld", { type: "message", data: "HelloWorld" }, "4HelloWorld"],
  ["message with UTF-8 text", { type: "message", data: "€ and 😀" }, "4€ and 😀"],
  ["upgrade", { type: "upgrade" }, "5"],
  ["noop", { type: "noop" }, "6"],
  ["message binary (sent as is)", { type: "message", data: bytes(1, 2, 3, 4) }, bytes(1, 2, 3, 4)],
];

describe("Engine.IO v4 packets (WebSocket framing)", () => {
  for (const [name, packet, frame] of engineFixtures) {
    it(`${name}: encodes to the exact frame and decodes back`, () => {
      expect(normalize(encodeEnginePacket(packet))).toEqual(normalize(frame));
      expect(normalize(decodeEnginePacket(frame))).toEqual(normalize(packet));
    });
  }

  it("sends a binary message as the very same bytes, without a copy", () => {
    const data = bytes(1, 2, 3);
    expect(encodeEnginePacket({ type: "message", data })).toBe(data);
    expect((decodeEnginePacket(data) as EnginePacket).data).toBe(data);
  });
});

describe("Engine.IO v4 packets as text (long-polling)", () => {
  it('binary becomes "b" + base64: <01 02 03 04> is bAQIDBA==', () => {
    expect(encodeEnginePacketAsText({ type: "message", data: bytes(1, 2, 3, 4) })).toBe(
      "bAQIDBA==",
    );
    expect(normalize(decodeEnginePacket("bAQIDBA=="))).toEqual(
      normalize({ type: "message", data: bytes(1, 2, 3, 4) }),
    );
  });

  it("text packets are the same as on WebSocket", () => {
    for (const [, packet, frame] of engineFixtures) {
      if (typeof frame === "string") expect(encodeEnginePacketAsText(packet)).toBe(frame);
    }
  });
});

/** [name, packets, payload] — one long-polling body. */
const payloadFixtures: [string, EnginePacket[], string][] = [
  [
    "text packets: 4hello\\x1e2\\x1e4world",
    [{ type: "message", data: "hello" }, { type: "ping" }, { type: "message", data: "world" }],
    "4hello\x1e2\x1e4world",
  ],
  [
    "mixed text and binary: 4hello\\x1ebAQIDBA==",
    [
      { type: "message", data: "hello" },
      { type: "message", data: bytes(1, 2, 3, 4) },
    ],
    "4hello\x1ebAQIDBA==",
  ],
  [
    "sample session: two events in one POST",
    [
      { type: "message", data: '2["hello"]' },
      { type: "message", data: '2["world"]' },
    ],
    '42["hello"]\x1e42["world"]',
  ],
  ["sample session: the open packet", [{ type: "open", data: HANDSHAKE }], `0${HANDSHAKE}`],
  ["a single noop", [{ type: "noop" }], "6"],
];

describe("Engine.IO v4 payloads", () => {
  for (const [name, packets, payload] of payloadFixtures) {
    it(`${name}: encodes to the exact body and decodes back`, () => {
      expect(encodePayload(packets)).toBe(payload);
      expect(normalize(decodePayload(payload))).toEqual(normalize(packets));
    });
  }
});

const buffer4 = bytes(1, 2, 3, 4);
const sid = { sid: "wZX3oN0bSVIhsaknAAAI" };

/** [name, packet as decoded, frames: text first, then attachments]. */
const socketFixtures: [string, Packet, RawData[]][] = [
  ["CONNECT main namespace", { type: PacketType.CONNECT, nsp: "/" }, ["0"]],
  ["CONNECT custom namespace, no data", { type: PacketType.CONNECT, nsp: "/admin" }, ["0/admin,"]],
  [
    "CONNECT with auth payload",
    { type: PacketType.CONNECT, nsp: "/", data: { token: "123" } },
    ['0{"token":"123"}'],
  ],
  [
    "CONNECT custom namespace with auth payload",
    { type: PacketType.CONNECT, nsp: "/admin", data: { token: "123" } },
    ['0/admin,{"token":"123"}'],
  ],
  [
    "CONNECT answer with sid",
    { type: PacketType.CONNECT, nsp: "/", data: sid },
    [`0${JSON.stringify(sid)}`],
  ],
  [
    "CONNECT answer with sid, custom namespace",
    { type: PacketType.CONNECT, nsp: "/admin", data: { sid: "oSO0OpakMV_3jnilAAAA" } },
    ['0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}'],
  ],
  [
    "CONNECT answer from the sample session",
    { type: PacketType.CONNECT, nsp: "/admin", data: { sid: "-G5j-67EZFp-q59rADQM" } },
    ['0/admin,{"sid":"-G5j-67EZFp-q59rADQM"}'],
  ],
  [
    "CONNECT_ERROR",
    { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "Not authorized" } },
    ['4{"message":"Not authorized"}'],
  ],
  [
    "CONNECT_ERROR with data, custom namespace",
    {
      type: PacketType.CONNECT_ERROR,
      nsp: "/admin",
      data: { message: "Not authorized", data: { retry: false } },
    },
    ['4/admin,{"message":"Not authorized","data":{"retry":false}}'],
  ],
  ["DISCONNECT main namespace", { type: PacketType.DISCONNECT, nsp: "/" }, ["1"]],
  ["DISCONNECT custom namespace", { type: PacketType.DISCONNECT, nsp: "/admin" }, ["1/admin,"]],
  ["EVENT main namespace", { type: PacketType.EVENT, nsp: "/", data: ["foo"] }, ['2["foo"]']],
  [
    "EVENT custom namespace",
    { type: PacketType.EVENT, nsp: "/admin", data: ["bar"] },
    ['2/admin,["bar"]'],
  ],
  [
    "EVENT from the sample session",
    { type: PacketType.EVENT, nsp: "/", data: ["hey", "Jude"] },
    ['2["hey","Jude"]'],
  ],
  [
    "EVENT with ack id",
    { type: PacketType.EVENT, nsp: "/", data: ["foo"], id: 12 },
    ['212["foo"]'],
  ],
  [
    "EVENT custom namespace with ack id",
    { type: PacketType.EVENT, nsp: "/admin", data: ["foo"], id: 13 },
    ['2/admin,13["foo"]'],
  ],
  [
    "EVENT with ack id from the sample session",
    { type: PacketType.EVENT, nsp: "/admin", data: ["tellme"], id: 1 },
    ['2/admin,1["tellme"]'],
  ],
  ["ACK with empty data", { type: PacketType.ACK, nsp: "/", data: [], id: 12 }, ["312[]"]],
  [
    "ACK custom namespace",
    { type: PacketType.ACK, nsp: "/admin", data: ["bar"], id: 13 },
    ['3/admin,13["bar"]'],
  ],
  [
    "BINARY_EVENT",
    { type: PacketType.BINARY_EVENT, nsp: "/", data: ["baz", buffer4], attachments: 1 },
    ['51-["baz",{"_placeholder":true,"num":0}]', buffer4],
  ],
  [
    "BINARY_EVENT with two attachments, custom namespace",
    {
      type: PacketType.BINARY_EVENT,
      nsp: "/admin",
      data: ["baz", bytes(1, 2), bytes(3, 4)],
      attachments: 2,
    },
    [
      '52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
      bytes(1, 2),
      bytes(3, 4),
    ],
  ],
  [
    "BINARY_EVENT with ack id",
    { type: PacketType.BINARY_EVENT, nsp: "/", data: ["foo", buffer4], id: 14, attachments: 1 },
    ['51-14["foo",{"_placeholder":true,"num":0}]', buffer4],
  ],
  [
    "BINARY_ACK",
    { type: PacketType.BINARY_ACK, nsp: "/", data: ["bar", buffer4], id: 15, attachments: 1 },
    ['61-15["bar",{"_placeholder":true,"num":0}]', buffer4],
  ],
  [
    "BINARY_ACK from the sample session",
    { type: PacketType.BINARY_ACK, nsp: "/admin", data: [buffer4], id: 1, attachments: 1 },
    ['61-/admin,1[{"_placeholder":true,"num":0}]', buffer4],
  ],
  [
    "BINARY_EVENT with binary nested in an object",
    {
      type: PacketType.BINARY_EVENT,
      nsp: "/",
      data: ["upload", { name: "a.bin", chunks: [bytes(9), { last: bytes(8, 7) }] }],
      attachments: 2,
    },
    [
      '52-["upload",{"name":"a.bin","chunks":[{"_placeholder":true,"num":0},{"last":{"_placeholder":true,"num":1}}]}]',
      bytes(9),
      bytes(8, 7),
    ],
  ],
];

describe("Socket.IO v5 packets", () => {
  for (const [name, packet, frames] of socketFixtures) {
    it(`${name}: encodes to the exact frames and decodes back`, () => {
      const { attachments: _, ...input } = packet;
      expect(normalize(encodePacket(input))).toEqual(normalize(frames));
      expect(normalize(decodeOne(frames))).toEqual(normalize(packet));
    });
  }

  it("promotes an EVENT or ACK holding binary to BINARY_EVENT / BINARY_ACK", () => {
    expect(encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["baz", buffer4] })).toEqual([
      '51-["baz",{"_placeholder":true,"num":0}]',
      buffer4,
    ]);
    expect(encodePacket({ type: PacketType.ACK, nsp: "/", data: [buffer4], id: 15 })).toEqual([
      '61-15[{"_placeholder":true,"num":0}]',
      buffer4,
    ]);
  });

  it("sends a BINARY_EVENT without binary as a plain EVENT (official peers refuse 0 attachments)", () => {
    expect(encodePacket({ type: PacketType.BINARY_EVENT, nsp: "/", data: ["foo"] })).toEqual([
      '2["foo"]',
    ]);
    expect(encodePacket({ type: PacketType.BINARY_ACK, nsp: "/", data: [], id: 3 })).toEqual([
      "33[]",
    ]);
  });

  it("does not mutate the caller's data when it extracts attachments", () => {
    const data = ["baz", { file: buffer4 }];
    encodePacket({ type: PacketType.EVENT, nsp: "/", data });
    expect(data).toEqual(["baz", { file: buffer4 }]);
  });

  it('each Socket.IO packet rides in an Engine.IO message: 42["foo"]', () => {
    const [text] = encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["foo"] });
    expect(encodeEnginePacket({ type: "message", data: text })).toBe('42["foo"]');
    expect(
      encodeEnginePacket({ type: "message", data: encodePacket({ type: 0, nsp: "/admin" })[0] }),
    ).toBe("40/admin,");
  });

  it("a BINARY_ACK from the sample session, over WebSocket: text frame then raw bytes", () => {
    const frames = encodePacket({ type: PacketType.ACK, nsp: "/admin", data: [buffer4], id: 1 });
    const wire = frames.map((data) => encodeEnginePacket({ type: "message", data }));
    expect(wire).toEqual(['461-/admin,1[{"_placeholder":true,"num":0}]', buffer4]);
  });

  it("accepts ArrayBuffer and other views as binary, sending their bytes", () => {
    const source = bytes(0, 1, 2, 3, 4, 5);
    const [text, a, b] = encodePacket({
      type: PacketType.EVENT,
      nsp: "/",
      data: ["x", source.buffer, new DataView(source.buffer, 2, 2)],
    });
    expect(text).toBe('52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    expect(Array.from(a as Uint8Array)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(b as Uint8Array)).toEqual([2, 3]);
  });
});
