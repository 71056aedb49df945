// Property tests: for any packet (arbitrary JSON, binary nested anywhere, arbitrary namespace
// and ack id), Socket.IO encode → Engine.IO framing → decode gives the packet back, over both
// transports' framings.

import {
  DEFAULT_LIMITS,
  type DecodeResult,
  decodeEnginePacket,
  decodePayload,
  decodeTextPacket,
  type EnginePacket,
  encodeEnginePacket,
  encodePacket,
  encodePayload,
  type Packet,
  PacketDecoder,
  ProtocolError,
} from "@parley/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ackId,
  anySocketPacket,
  engineTextPacket,
  expectedDecode,
  jsonWithBinary,
  namespace,
  socketPacketWith,
} from "./arbitraries.js";
import { normalize } from "./helpers.js";

/** Feeds Engine.IO message payloads to one decoder; collects the packets it completes. */
function collect(payloads: readonly (string | Uint8Array)[]): Packet[] {
  // Random trees can hold more binaries than the default limit of 10; limits have own tests.
  const decoder = new PacketDecoder({ maxAttachments: 10_000 });
  const packets: Packet[] = [];
  for (const payload of payloads) {
    const result: DecodeResult = decoder.add(payload);
    if (result instanceof ProtocolError) throw result;
    if (result !== null) packets.push(result);
  }
  expect(decoder.isAwaitingAttachments).toBe(false);
  return packets;
}

/** WebSocket framing: one Engine.IO packet per frame, binary frames carry the raw bytes. */
function throughWebSocket(packets: readonly Packet[]): Packet[] {
  const payloads: (string | Uint8Array)[] = [];
  for (const packet of packets) {
    for (const frame of encodePacket(packet)) {
      const wire = encodeEnginePacket({ type: "message", data: frame });
      const decoded = decodeEnginePacket(wire);
      if (decoded instanceof ProtocolError) throw decoded;
      expect(decoded.type).toBe("message");
      payloads.push(decoded.data as string | Uint8Array);
    }
  }
  return collect(payloads);
}

/** Long-polling framing: every frame in one body, joined by U+001E, binary as base64. */
function throughPolling(packets: readonly Packet[], extra: readonly EnginePacket[] = []): Packet[] {
  const engine: EnginePacket[] = [...extra];
  for (const packet of packets) {
    for (const frame of encodePacket(packet)) engine.push({ type: "message", data: frame });
  }
  const body = encodePayload(engine);
  const decoded = decodePayload(body);
  if (decoded instanceof ProtocolError) throw decoded;
  expect(decoded).toHaveLength(engine.length);
  const messages = decoded.slice(extra.length);
  expect(normalize(decoded.slice(0, extra.length))).toEqual(normalize(extra));
  return collect(messages.map((m) => m.data as string | Uint8Array));
}

const packets = fc.array(anySocketPacket, { minLength: 1, maxLength: 4 });

describe("Socket.IO round trip", () => {
  it("WebSocket framing: encode → engine frames → PacketDecoder is the identity", () => {
    fc.assert(
      fc.property(packets, (input) => {
        const output = throughWebSocket(input);
        expect(normalize(output)).toEqual(normalize(input.map(expectedDecode)));
      }),
      { numRuns: 400 },
    );
  });

  it("long-polling framing: encode → encodePayload → decodePayload → PacketDecoder is the identity", () => {
    fc.assert(
      fc.property(packets, fc.array(engineTextPacket, { maxLength: 3 }), (input, extra) => {
        const output = throughPolling(input, extra);
        expect(normalize(output)).toEqual(normalize(input.map(expectedDecode)));
      }),
      { numRuns: 400 },
    );
  });

  it("binary keeps its identity on WebSocket: the decoded packet holds the very same objects", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 8 }), { minLength: 1, maxLength: 5 }),
        (buffers) => {
          const [packet] = throughWebSocket([{ type: 2, nsp: "/", data: ["files", ...buffers] }]);
          const received = (packet as Packet).data as unknown[];
          expect(received.slice(1)).toEqual(buffers);
          received.slice(1).forEach((b, i) => {
            expect(b).toBe(buffers[i]);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("any JSON value with binary anywhere survives as an event argument", () => {
    const value = jsonWithBinary({ binary: true, protoKey: true });
    fc.assert(
      fc.property(value, namespace, fc.option(ackId), (arg, nsp, id) => {
        const packet: Packet = { type: 2, nsp, data: ["e", arg] };
        if (id !== null) packet.id = id;
        const expected = normalize(expectedDecode(packet));
        expect(normalize(throughWebSocket([packet]))).toEqual([expected]);
        expect(normalize(throughPolling([packet]))).toEqual([expected]);
      }),
      { numRuns: 400 },
    );
  });

  it("arbitrary namespaces and ack ids survive", () => {
    fc.assert(
      fc.property(namespace, ackId, (nsp, id) => {
        const packet: Packet = { type: 3, nsp, data: ["ok"], id };
        expect(throughWebSocket([packet])).toEqual([packet]);
        expect(throughPolling([packet])).toEqual([packet]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("decodeTextPacket (stateless)", () => {
  /** What a fresh decoder makes of one text frame: the reference the stateless path must match. */
  function fresh(text: string, options = {}): DecodeResult {
    return new PacketDecoder(options).add(text);
  }
  const limits = fc.record({
    maxAttachments: fc.nat(20),
    maxPacketLength: fc.integer({ min: 1, max: 200 }),
  });

  it("agrees with a fresh PacketDecoder on every encoded packet without binary", () => {
    const textPacket = socketPacketWith({ binary: false, protoKey: true });
    fc.assert(
      fc.property(textPacket, fc.option(limits, { nil: undefined }), (packet, options) => {
        const [text] = encodePacket(packet);
        expect(normalize(decodeTextPacket(text as string, options))).toEqual(
          normalize(fresh(text as string, options)),
        );
      }),
      { numRuns: 400 },
    );
  });

  it("agrees with a fresh PacketDecoder on any string, and declines binary packet types", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc
        .tuple(fc.constantFrom("0", "1", "2", "3", "4", "5", "6", "7"), fc.string())
        .map(([head, rest]) => head + rest),
    );
    fc.assert(
      fc.property(text, (input) => {
        const result = decodeTextPacket(input, DEFAULT_LIMITS);
        if (input[0] === "5" || input[0] === "6") {
          expect(result).toBeUndefined();
          return;
        }
        expect(normalize(result)).toEqual(normalize(fresh(input)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("Engine.IO round trip", () => {
  const enginePacket = fc.oneof(
    engineTextPacket,
    fc.uint8Array({ maxLength: 64 }).map((data): EnginePacket => ({ type: "message", data })),
  );

  it("decodeEnginePacket(encodeEnginePacket(p)) is p, on both framings", () => {
    fc.assert(
      fc.property(enginePacket, (packet) => {
        expect(normalize(decodeEnginePacket(encodeEnginePacket(packet)))).toEqual(
          normalize(packet),
        );
        const body = encodePayload([packet]);
        expect(normalize(decodePayload(body))).toEqual(normalize([packet]));
      }),
      { numRuns: 500 },
    );
  });

  it("decodePayload(encodePayload(ps)) is ps", () => {
    fc.assert(
      fc.property(fc.array(enginePacket, { minLength: 1, maxLength: 10 }), (input) => {
        expect(normalize(decodePayload(encodePayload(input)))).toEqual(normalize(input));
      }),
      { numRuns: 500 },
    );
  });
});
