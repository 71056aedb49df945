// Engine.IO v3 codec (`@parley/protocol/v3`): round trips for any packets, interop with the
// official v3 parser (engine.io-parser 2.x, as engine.io-client 3.x ships it) both ways, the
// framing errors, and a fuzz pass (malformed input gives a ProtocolError, never a throw).

import { createRequire } from "node:module";
import { type EnginePacket, ProtocolError, ProtocolErrorCode } from "@parley/protocol";
import {
  decodeBinaryPayloadV3,
  decodePacketV3,
  decodePayloadV3,
  encodeBinaryPayloadV3,
  encodePacketV3,
  encodePayloadV3,
  ProtocolErrorCodeV3,
} from "@parley/protocol/v3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRandom } from "./helpers.js";

interface OfficialPacket {
  type: string;
  data?: string | Buffer;
}
interface OfficialParserV3 {
  encodePacket(p: OfficialPacket, binary: boolean, cb: (encoded: string | Buffer) => void): void;
  decodePacket(data: string | Buffer): OfficialPacket;
  encodePayload(p: OfficialPacket[], binary: boolean, cb: (encoded: string | Buffer) => void): void;
  decodePayload(
    data: string | Buffer,
    cb: (packet: OfficialPacket, index: number, total: number) => boolean | undefined,
  ): void;
}

// engine.io-client 3.x's own parser, from the `engine.io-client-v3` devDependency.
const require = createRequire(import.meta.url);
const official = require(
  require.resolve("engine.io-parser", {
    paths: [require.resolve("engine.io-client-v3/package.json")],
  }),
) as OfficialParserV3;

const text = fc.string({ unit: "binary", maxLength: 40 });
const bytesArb = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));

/** Any packet a v3 peer sends: text messages, binary messages, pings/pongs (probes too). */
const packet: fc.Arbitrary<EnginePacket> = fc.oneof(
  text.map((data) => ({ type: "message" as const, data })),
  bytesArb.map((data) => ({ type: "message" as const, data })),
  fc.constantFrom<EnginePacket>(
    { type: "ping" },
    { type: "pong" },
    { type: "ping", data: "probe" },
    { type: "pong", data: "probe" },
    { type: "upgrade" },
    { type: "noop" },
    { type: "close" },
  ),
  text.map((data) => ({ type: "open" as const, data: `{"sid":${JSON.stringify(data)}}` })),
);

/** Packets as plain objects with Buffers, for comparison with each other and the official parser. */
function plain(packets: readonly (EnginePacket | OfficialPacket)[]): OfficialPacket[] {
  return packets.map((p) => {
    // The official parser leaves an empty message without data; ours gives it "".
    const data = p.data ?? (p.type === "message" ? "" : undefined);
    if (data === undefined) return { type: p.type };
    return { type: p.type, data: typeof data === "string" ? data : Buffer.from(data) };
  });
}

function officialDecodePayload(data: string | Buffer): OfficialPacket[] {
  const out: OfficialPacket[] = [];
  official.decodePayload(data, (p) => {
    out.push(p);
    return undefined;
  });
  return out;
}

function ok<T>(value: T | ProtocolError): T {
  if (value instanceof ProtocolError) throw value;
  return value;
}

describe("v3 packets", () => {
  it("round-trip over WebSocket framing (binary and b64) and match the official encoding", () => {
    fc.assert(
      fc.property(packet, fc.boolean(), (p, binary) => {
        const encoded = encodePacketV3(p, binary);
        expect(plain([ok(decodePacketV3(encoded))])).toEqual(plain([p]));
        let theirs: string | Buffer | undefined;
        official.encodePacket(plain([p])[0] as OfficialPacket, binary, (e) => {
          theirs = e;
        });
        expect(typeof encoded === "string" ? encoded : Buffer.from(encoded)).toEqual(theirs);
        expect(plain([official.decodePacket(theirs as string | Buffer)])).toEqual(plain([p]));
      }),
    );
  });

  it("binary frames carry the type byte; text `b4…` is base64", () => {
    expect(encodePacketV3({ type: "message", data: new Uint8Array([1, 2]) }, true)).toEqual(
      new Uint8Array([4, 1, 2]),
    );
    expect(encodePacketV3({ type: "message", data: new Uint8Array([1, 2]) }, false)).toBe("b4AQI=");
    expect(decodePacketV3("b4AQI=")).toEqual({ type: "message", data: Buffer.from([1, 2]) });
    expect(decodePacketV3("2probe")).toEqual({ type: "ping", data: "probe" });
  });

  it("refuses unknown types, bad base64 and empty frames with stable codes", () => {
    const code = (r: EnginePacket | ProtocolError) => (r as ProtocolError).code;
    expect(code(decodePacketV3(""))).toBe(ProtocolErrorCode.EMPTY_PACKET);
    expect(code(decodePacketV3(new Uint8Array()))).toBe(ProtocolErrorCode.EMPTY_PACKET);
    expect(code(decodePacketV3("9"))).toBe(ProtocolErrorCode.UNKNOWN_PACKET_TYPE);
    expect(code(decodePacketV3("bx"))).toBe(ProtocolErrorCode.UNKNOWN_PACKET_TYPE);
    expect(code(decodePacketV3(new Uint8Array([7, 1])))).toBe(
      ProtocolErrorCode.UNKNOWN_PACKET_TYPE,
    );
    expect(code(decodePacketV3("b4!!"))).toBe(ProtocolErrorCode.INVALID_BASE64);
  });
});

describe("v3 text payloads", () => {
  it("round-trip any packets, and the official parser agrees both ways", () => {
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 8 }), (packets) => {
        const ours = encodePayloadV3(packets);
        expect(plain(ok(decodePayloadV3(ours)))).toEqual(plain(packets));
        expect(plain(officialDecodePayload(ours))).toEqual(plain(packets));
        let theirs = "";
        official.encodePayload(plain(packets), false, (e) => {
          theirs = e as string;
        });
        expect(ours).toBe(theirs);
      }),
    );
  });

  it("frames by UTF-16 length: `<length>:<packet>`", () => {
    expect(encodePayloadV3([{ type: "message", data: "é😀" }])).toBe("4:4é😀");
    expect(encodePayloadV3([])).toBe("0:");
    expect(ok(decodePayloadV3("0:"))).toEqual([]);
    expect(ok(decodePayloadV3("2:4a0:1:2"))).toEqual([
      { type: "message", data: "a" },
      { type: "ping" },
    ]);
  });

  it("refuses broken framing as INVALID_PAYLOAD_FRAMING, and too many packets", () => {
    for (const bad of ["", "4", "4:", "3:4a", "x:4a", ":4a", "2:4a1", "-1:4", "1a:4"]) {
      const result = decodePayloadV3(bad);
      expect(result, bad).toBeInstanceOf(ProtocolError);
    }
    expect((decodePayloadV3("3:4a") as ProtocolError).code).toBe(
      ProtocolErrorCodeV3.INVALID_PAYLOAD_FRAMING,
    );
    expect((decodePayloadV3("1:9") as ProtocolError).code).toBe(
      ProtocolErrorCode.UNKNOWN_PACKET_TYPE,
    );
    expect((decodePayloadV3("1:21:21:2", { maxPackets: 2 }) as ProtocolError).code).toBe(
      ProtocolErrorCode.PACKET_TOO_LARGE,
    );
  });
});

describe("v3 binary payloads", () => {
  it("round-trip any packets, and the official parser agrees both ways", () => {
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 8 }), (packets) => {
        const ours = encodeBinaryPayloadV3(packets);
        expect(plain(ok(decodeBinaryPayloadV3(ours)))).toEqual(plain(packets));
        expect(plain(officialDecodePayload(Buffer.from(ours)))).toEqual(plain(packets));
        let theirs: Buffer | undefined;
        official.encodePayload(plain(packets), true, (e) => {
          theirs = e as Buffer;
        });
        // Without binary the official encoder answers in text: compare by decoding.
        const decoded =
          typeof theirs === "string"
            ? decodePayloadV3(theirs)
            : decodeBinaryPayloadV3(theirs as Buffer);
        expect(plain(ok(decoded))).toEqual(plain(packets));
      }),
    );
  });

  it("frames entries as kind, length digits, 0xFF, bytes", () => {
    const payload = encodeBinaryPayloadV3([
      { type: "message", data: "é" },
      { type: "message", data: new Uint8Array([9]) },
    ]);
    expect([...payload]).toEqual([0, 3, 255, 0x34, 0xc3, 0xa9, 1, 2, 255, 4, 9]);
  });

  it("refuses broken framing", () => {
    for (const bad of [[], [2, 1, 255, 52], [0, 1], [0, 255, 52], [0, 2, 255, 52], [0, 12, 255]]) {
      const result = decodeBinaryPayloadV3(new Uint8Array(bad));
      expect(result, JSON.stringify(bad)).toBeInstanceOf(ProtocolError);
    }
    expect((decodeBinaryPayloadV3(new Uint8Array([0, 2, 255, 52])) as ProtocolError).code).toBe(
      ProtocolErrorCodeV3.INVALID_PAYLOAD_FRAMING,
    );
  });
});

describe("v3 fuzz", () => {
  it("random and mutated payloads decode or fail with a known code, never throw", () => {
    const random = createRandom(0x3e10);
    const alphabet = [..."0123456789:b4AQ=x\u00e9"];
    const textSeed = encodePayloadV3([{ type: "message", data: "hello" }, { type: "ping" }]);
    const binarySeed = encodeBinaryPayloadV3([
      { type: "message", data: "hi" },
      { type: "message", data: new Uint8Array([1, 2, 3]) },
    ]);
    const known = new Set<string>([
      ...Object.values(ProtocolErrorCode),
      ...Object.values(ProtocolErrorCodeV3),
    ]);
    const check = (result: EnginePacket[] | ProtocolError) => {
      if (result instanceof ProtocolError) expect(known.has(result.code)).toBe(true);
      else expect(Array.isArray(result)).toBe(true);
    };
    for (let run = 0; run < 20_000; run++) {
      let input = "";
      if (run % 2 === 0) {
        const at = random.int(textSeed.length);
        input = textSeed.slice(0, at) + random.pick(alphabet) + textSeed.slice(at + 1);
      } else {
        const length = random.int(12);
        for (let i = 0; i < length; i++) input += random.pick(alphabet);
      }
      check(decodePayloadV3(input));
      const bytes = Uint8Array.from(binarySeed);
      bytes[random.int(bytes.length)] = random.int(256);
      check(decodeBinaryPayloadV3(bytes.subarray(0, random.int(bytes.length + 1))));
    }
  });
});
