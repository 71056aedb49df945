// Every validation rule, each with the exact hostile input that trips it. Decoders must return
// a ProtocolError with the stable code, never throw and never let bad input change a prototype.

import {
  DEFAULT_LIMITS,
  decodeEnginePacket,
  decodePayload,
  encodePacket,
  isProtocolError,
  type Packet,
  PacketDecoder,
  ProtocolError,
  ProtocolErrorCode,
  type RawData,
} from "@parley/protocol";
import { describe, expect, it } from "vitest";
import { bytes, decodeFrames, errorCode, normalize } from "./helpers.js";

const C = ProtocolErrorCode;

/** Decodes the frames in order; returns the code of the error the last one produced. */
function codeOf(frames: RawData[], decoder = new PacketDecoder()): string {
  const results = decodeFrames(frames, decoder);
  for (const early of results.slice(0, -1)) expect(early).toBeNull();
  return errorCode(results[results.length - 1]);
}

/** [test name, frames, expected code] */
const socketCases: [string, RawData[], ProtocolErrorCode][] = [
  ["empty packet", [""], C.EMPTY_PACKET],
  ["unknown type 7", ['7["x"]'], C.UNKNOWN_PACKET_TYPE],
  ["unknown type 9", ["9"], C.UNKNOWN_PACKET_TYPE],
  ["unknown type: a letter", ['a["x"]'], C.UNKNOWN_PACKET_TYPE],
  ["unknown type: a character below '0'", ['/["x"]'], C.UNKNOWN_PACKET_TYPE],
  ["namespace without leading slash", ['2admin,["foo"]'], C.INVALID_NAMESPACE],
  ["namespace without leading slash on CONNECT", ["0admin,"], C.INVALID_NAMESPACE],
  ["namespace with a NUL character", ['2/ad\u0000min,["foo"]'], C.INVALID_NAMESPACE],
  ["namespace with a newline", ['2/ad\nmin,["foo"]'], C.INVALID_NAMESPACE],
  ["namespace with a record separator", ["0/a\u001eb,"], C.INVALID_NAMESPACE],
  ["namespace with DEL", ["0/a\u007f,"], C.INVALID_NAMESPACE],
  ["namespace longer than 256 characters", [`0/${"a".repeat(256)},`], C.INVALID_NAMESPACE],
  ["event name is an object with toString", ['2[{"toString":"foo"}]'], C.INVALID_EVENT_NAME],
  ["event name is a boolean", ['2[true,"foo"]'], C.INVALID_EVENT_NAME],
  ["event name is null", ['2[null,"bar"]'], C.INVALID_EVENT_NAME],
  ["event name is a number", ["2[42]"], C.INVALID_EVENT_NAME],
  ["event name is an array", ['2[["connect"]]'], C.INVALID_EVENT_NAME],
  ["reserved name: connect", ['2["connect"]'], C.RESERVED_EVENT_NAME],
  ["reserved name: connect_error", ['2["connect_error",{}]'], C.RESERVED_EVENT_NAME],
  ["reserved name: disconnect", ['2["disconnect","io server disconnect"]'], C.RESERVED_EVENT_NAME],
  ["reserved name: disconnecting", ['2/admin,["disconnecting"]'], C.RESERVED_EVENT_NAME],
  ["reserved name: newListener", ['21["newListener","x"]'], C.RESERVED_EVENT_NAME],
  ["reserved name: removeListener", ['2["removeListener"]'], C.RESERVED_EVENT_NAME],
  [
    "reserved name in a BINARY_EVENT, refused before its attachments arrive",
    ['51-["disconnect",{"_placeholder":true,"num":0}]'],
    C.RESERVED_EVENT_NAME,
  ],
  ["EVENT without data", ["2"], C.INVALID_PAYLOAD],
  ["EVENT with an empty array", ["2[]"], C.INVALID_PAYLOAD],
  ["EVENT with an object", ['2{"a":1}'], C.INVALID_PAYLOAD],
  ["EVENT with a string", ['2"foo"'], C.INVALID_PAYLOAD],
  ["EVENT with a bare literal", ["2true"], C.INVALID_PAYLOAD],
  ["ack id with a fraction", ['21.5["a"]'], C.INVALID_ACK_ID],
  ["ack id with an exponent", ['21e3["a"]'], C.INVALID_ACK_ID],
  ["ack id beyond 2^53", ['29007199254740993["a"]'], C.INVALID_ACK_ID],
  ["ack id of 17 digits", ['212345678901234567["a"]'], C.INVALID_ACK_ID],
  ["ACK without an ack id", ['3["a"]'], C.INVALID_ACK_ID],
  ["ACK whose data is not an array", ['312{"a":1}'], C.INVALID_PAYLOAD],
  ["CONNECT data is an array", ["0[]"], C.INVALID_CONNECT_PAYLOAD],
  ["CONNECT data is a string", ['0"str"'], C.INVALID_CONNECT_PAYLOAD],
  ["CONNECT data is null", ["0null"], C.INVALID_CONNECT_PAYLOAD],
  ["CONNECT data is a number", ["0/admin,-1"], C.INVALID_CONNECT_PAYLOAD],
  ["DISCONNECT with data", ['1{"a":1}'], C.INVALID_PAYLOAD],
  ["CONNECT_ERROR with an array", ['4["x"]'], C.INVALID_PAYLOAD],
  ["CONNECT_ERROR without data", ["4"], C.INVALID_PAYLOAD],
  ["body that is not JSON", ['2["foo"'], C.INVALID_JSON],
  ["body with trailing garbage", ['2["foo"]x'], C.INVALID_JSON],
  ["attachment count missing", ['5-["x"]'], C.INVALID_ATTACHMENT_COUNT],
  ["attachment count without its dash", ['51["x"]'], C.INVALID_ATTACHMENT_COUNT],
  ["attachment count with a letter", ['5a-["x"]'], C.INVALID_ATTACHMENT_COUNT],
  ["attachment count alone", ["5"], C.INVALID_ATTACHMENT_COUNT],
  ["attachment count of 17 digits", ['612345678901234567-1["x"]'], C.INVALID_ATTACHMENT_COUNT],
  ["attachment count 999999 (above the default limit)", ["5999999-"], C.TOO_MANY_ATTACHMENTS],
  ["attachment count 11 (default limit is 10)", ['511-["x"]'], C.TOO_MANY_ATTACHMENTS],
  [
    "placeholder num 'splice'",
    ['51-["x",{"_placeholder":true,"num":"splice"}]', bytes(1)],
    C.INVALID_PLACEHOLDER,
  ],
  [
    "placeholder num '__proto__'",
    ['51-["x",{"_placeholder":true,"num":"__proto__"}]', bytes(1)],
    C.INVALID_PLACEHOLDER,
  ],
  [
    "placeholder num 'length'",
    ['51-["x",{"_placeholder":true,"num":"length"}]', bytes(1)],
    C.INVALID_PLACEHOLDER,
  ],
  [
    "placeholder num as a digit string",
    ['51-["x",{"_placeholder":true,"num":"0"}]', bytes(1)],
    C.INVALID_PLACEHOLDER,
  ],
  [
    "placeholder num out of range",
    ['51-["x",{"_placeholder":true,"num":1}]', bytes(1)],
    C.INVALID_PLACEHOLDER,
  ],
  [
    "placeholder num negative",
    ['51-["x",{"_placeholder":true,"num":-1}]', bytes(1)],
    C.INVALID_PLACEHOLDER,
  ],
  [
    "placeholder num a float",
    ['52-["x",{"_placeholder":true,"num":0.5}]', bytes(1), bytes(2)],
    C.INVALID_PLACEHOLDER,
  ],
  ["placeholder num missing", ['51-["x",{"_placeholder":true}]', bytes(1)], C.INVALID_PLACEHOLDER],
  [
    "placeholder num an object",
    ['51-["x",{"_placeholder":true,"num":{"valueOf":0}}]', bytes(1)],
    C.INVALID_PLACEHOLDER,
  ],
  [
    "placeholder deep inside an object",
    ['61-7[{"a":{"b":[{"_placeholder":true,"num":3}]}}]', bytes(1)],
    C.INVALID_PLACEHOLDER,
  ],
  [
    "text packet while attachments are pending",
    ['52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]', bytes(1), '2["y"]'],
    C.UNEXPECTED_TEXT_PACKET,
  ],
  ["binary frame with nothing pending", [bytes(1, 2, 3)], C.UNEXPECTED_BINARY],
];

describe("PacketDecoder validation", () => {
  for (const [name, frames, code] of socketCases) {
    it(`${name} → ${code}`, () => {
      expect(codeOf(frames)).toBe(code);
    });
  }

  it("binary frame after a complete packet → UNEXPECTED_BINARY", () => {
    const decoder = new PacketDecoder();
    expect(decoder.add('2["x"]')).toEqual({ type: 2, nsp: "/", data: ["x"] });
    expect(errorCode(decoder.add(bytes(1)))).toBe(C.UNEXPECTED_BINARY);
  });

  it("input longer than maxPacketLength → PACKET_TOO_LARGE", () => {
    const decoder = new PacketDecoder({ maxPacketLength: 10 });
    expect(codeOf(['2["0123456789"]'], decoder)).toBe(C.PACKET_TOO_LARGE);
    expect(decoder.add('2["0123"]')).toEqual({ type: 2, nsp: "/", data: ["0123"] });
  });

  it("input longer than the default limit → PACKET_TOO_LARGE", () => {
    const text = `2["${"a".repeat(DEFAULT_LIMITS.maxPacketLength)}"]`;
    expect(codeOf([text])).toBe(C.PACKET_TOO_LARGE);
  });

  it("maxAttachments is an option: 3 attachments over a limit of 2 → TOO_MANY_ATTACHMENTS", () => {
    const decoder = new PacketDecoder({ maxAttachments: 2 });
    expect(codeOf(['53-["x"]'], decoder)).toBe(C.TOO_MANY_ATTACHMENTS);
    expect(decoder.add('52-["x",{"_placeholder":true,"num":1}]')).toBeNull();
  });

  it("errors are ProtocolErrors: Error subclasses with a stable code", () => {
    const result = new PacketDecoder().add("9");
    expect(result).toBeInstanceOf(ProtocolError);
    expect(result).toBeInstanceOf(Error);
    expect(isProtocolError(result)).toBe(true);
    expect((result as ProtocolError).name).toBe("ProtocolError");
    expect((result as ProtocolError).message).toMatch(/packet type/);
  });

  it("after an error mid-packet the decoder is reset and decodes the next packet", () => {
    const decoder = new PacketDecoder();
    expect(decoder.add('51-["x",{"_placeholder":true,"num":0}]')).toBeNull();
    expect(decoder.isAwaitingAttachments).toBe(true);
    expect(errorCode(decoder.add('2["y"]'))).toBe(C.UNEXPECTED_TEXT_PACKET);
    expect(decoder.isAwaitingAttachments).toBe(false);
    expect(decoder.add('2["z"]')).toEqual({ type: 2, nsp: "/", data: ["z"] });
  });

  it("reset() drops a half-received packet", () => {
    const decoder = new PacketDecoder();
    decoder.add('51-["x",{"_placeholder":true,"num":0}]');
    decoder.reset();
    expect(errorCode(decoder.add(bytes(1)))).toBe(C.UNEXPECTED_BINARY);
  });

  it("accepts the documented edge forms: leading JSON whitespace, zero attachments", () => {
    expect(new PacketDecoder().add('2 ["a"]')).toEqual({ type: 2, nsp: "/", data: ["a"] });
    expect(new PacketDecoder().add('50-["a"]')).toEqual({
      type: 5,
      nsp: "/",
      attachments: 0,
      data: ["a"],
    });
  });
});

describe("prototype pollution", () => {
  const prototypes = [Object.prototype, Array.prototype, Function.prototype];
  const snapshot = () => prototypes.map((p) => Object.getOwnPropertyNames(p).sort().join());

  it('{"__proto__": …} in event data stays an own key and changes no prototype', () => {
    const before = snapshot();
    const packet = new PacketDecoder().add(
      '2["x",{"__proto__":{"polluted":true,"toString":"no"}},[{"__proto__":[]}]]',
    ) as Packet;
    const [, arg, list] = packet.data as [string, Record<string, unknown>, unknown[]];
    expect(Object.getPrototypeOf(arg)).toBe(Object.prototype);
    expect(Object.hasOwn(arg, "__proto__")).toBe(true);
    expect(arg.polluted).toBeUndefined();
    expect(Object.getPrototypeOf(list[0])).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(snapshot()).toEqual(before);
  });

  it("an attachment placed under a __proto__ key stays an own key, not a prototype", () => {
    const before = snapshot();
    const attachment = bytes(7);
    const decoder = new PacketDecoder();
    expect(decoder.add('51-["x",{"__proto__":{"_placeholder":true,"num":0}}]')).toBeNull();
    const packet = decoder.add(attachment) as Packet;
    const [, arg] = packet.data as [string, Record<string, unknown>];
    expect(Object.getPrototypeOf(arg)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(arg, "__proto__")?.value).toBe(attachment);
    expect(snapshot()).toEqual(before);
  });

  it("the encoder keeps an own __proto__ key holding binary as data", () => {
    const arg = JSON.parse('{"__proto__":null,"b":1}') as Record<string, unknown>;
    Object.defineProperty(arg, "__proto__", { value: bytes(3), enumerable: true });
    const [text, attachment] = encodePacket({ type: 2, nsp: "/", data: ["x", arg] });
    expect(text).toBe('51-["x",{"__proto__":{"_placeholder":true,"num":0},"b":1}]');
    expect(attachment).toEqual(bytes(3));
  });

  it("placeholders naming array methods hand out nothing", () => {
    for (const num of ['"splice"', '"__proto__"', '"constructor"', '"push"']) {
      const decoder = new PacketDecoder();
      decoder.add(`51-["x",{"_placeholder":true,"num":${num}}]`);
      expect(errorCode(decoder.add(bytes(1)))).toBe(C.INVALID_PLACEHOLDER);
    }
  });
});

describe("never throws on hostile structure", () => {
  it("a BINARY_EVENT nested 200,000 levels deep decodes without overflowing the stack", () => {
    const depth = 200_000;
    const text = `51-["x",${"[".repeat(depth)}{"_placeholder":true,"num":0}${"]".repeat(depth)}]`;
    const decoder = new PacketDecoder();
    expect(decoder.add(text)).toBeNull();
    const packet = decoder.add(bytes(5)) as Packet;
    let node: unknown = (packet.data as unknown[])[1];
    for (let i = 0; i < depth; i++) node = (node as unknown[])[0];
    expect(node).toEqual(bytes(5));
  });

  it("a plain EVENT nested 200,000 levels deep decodes", () => {
    const depth = 200_000;
    const result = new PacketDecoder().add(`2["x",${"[".repeat(depth)}${"]".repeat(depth)}]`);
    expect(result).not.toBeInstanceOf(ProtocolError);
  });
});

/** [test name, frame, expected code] */
const engineCases: [string, string, ProtocolErrorCode][] = [
  ["empty frame", "", C.EMPTY_PACKET],
  ["unknown type 7", "7", C.UNKNOWN_PACKET_TYPE],
  ["unknown type: a letter", "xhello", C.UNKNOWN_PACKET_TYPE],
  ["base64 with a character outside the alphabet", "bAQ!DBA==", C.INVALID_BASE64],
  ["base64 with whitespace", "bAQID BA==", C.INVALID_BASE64],
  ["base64 in the URL-safe alphabet", "b-_-_", C.INVALID_BASE64],
  ["base64 with padding that does not complete a group", "bAQIDBA=", C.INVALID_BASE64],
  ["base64 with three padding characters", "bAQ===", C.INVALID_BASE64],
  ["base64 with padding in the middle", "bAQ==AQ==", C.INVALID_BASE64],
  ["base64 of impossible length", "bAQIDB", C.INVALID_BASE64],
];

describe("decodeEnginePacket validation", () => {
  for (const [name, frame, code] of engineCases) {
    it(`${name} → ${code}`, () => {
      expect(errorCode(decodeEnginePacket(frame))).toBe(code);
    });
  }

  it("unpadded base64 is accepted, as atob accepts it", () => {
    expect(normalize(decodeEnginePacket("bAQIDBA"))).toEqual(
      normalize({ type: "message", data: bytes(1, 2, 3, 4) }),
    );
    expect(normalize(decodeEnginePacket("b"))).toEqual(
      normalize({ type: "message", data: bytes() }),
    );
  });
});

describe("decodePayload validation", () => {
  it("one bad packet fails the whole payload", () => {
    expect(errorCode(decodePayload('42["a"]\x1e7\x1e42["b"]'))).toBe(C.UNKNOWN_PACKET_TYPE);
    expect(errorCode(decodePayload("4a\x1eb!!!!"))).toBe(C.INVALID_BASE64);
  });

  it("empty payload and empty records → EMPTY_PACKET", () => {
    expect(errorCode(decodePayload(""))).toBe(C.EMPTY_PACKET);
    expect(errorCode(decodePayload("4a\x1e\x1e4b"))).toBe(C.EMPTY_PACKET);
    expect(errorCode(decodePayload("4a\x1e"))).toBe(C.EMPTY_PACKET);
  });

  it("more packets than maxPackets → PACKET_TOO_LARGE", () => {
    expect(errorCode(decodePayload("2\x1e2\x1e2", { maxPackets: 2 }))).toBe(C.PACKET_TOO_LARGE);
    expect(decodePayload("2\x1e2", { maxPackets: 2 })).toHaveLength(2);
    const flood = Array.from({ length: DEFAULT_LIMITS.maxPayloadPackets + 1 }, () => "6").join(
      "\x1e",
    );
    expect(errorCode(decodePayload(flood))).toBe(C.PACKET_TOO_LARGE);
  });

  it("payload longer than maxLength → PACKET_TOO_LARGE", () => {
    expect(errorCode(decodePayload("4hello", { maxLength: 5 }))).toBe(C.PACKET_TOO_LARGE);
    expect(decodePayload("4hell", { maxLength: 5 })).toEqual([{ type: "message", data: "hell" }]);
  });
});
