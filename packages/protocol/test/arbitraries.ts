// fast-check arbitraries for Socket.IO and Engine.IO packets, shared by the property and
// interop tests.

import { Buffer } from "node:buffer";
import { type EnginePacket, type Packet, PacketType, RESERVED_EVENTS } from "@parley/protocol";
import fc from "fast-check";

export interface ValueOptions {
  /** Put Uint8Array / Buffer values anywhere in the tree. */
  binary: boolean;
  /**
   * Allow the object key "__proto__". Parley keeps it as data both ways; socket.io-parser turns
   * it into a prototype when it rebuilds binary packets, so interop runs leave it out.
   */
  protoKey: boolean;
}

/** Finite JSON numbers; -0 is left out because JSON has no way to write it. */
const jsonNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
  fc.maxSafeInteger(),
);

const binary = fc
  .tuple(fc.uint8Array({ maxLength: 48 }), fc.boolean())
  .map(([array, asBuffer]) => (asBuffer ? Buffer.from(array) : array));

/** Any JSON value, with binary mixed in at any depth when `options.binary` is set. */
export function jsonWithBinary(options: ValueOptions): fc.Arbitrary<unknown> {
  // "_placeholder" is the one key the protocol itself gives meaning to inside binary packets.
  const key = fc
    .string({ maxLength: 12 })
    .filter((k) => k !== "_placeholder" && (options.protoKey || k !== "__proto__"));
  const { value } = fc.letrec<{ value: unknown; leaf: unknown }>((tie) => ({
    leaf: fc.oneof(
      fc.string({ maxLength: 24, unit: "binary" }),
      jsonNumber,
      fc.boolean(),
      fc.constant(null),
      ...(options.binary ? [binary] : []),
    ),
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      tie("leaf"),
      fc.array(tie("value"), { maxLength: 5 }),
      fc.dictionary(key, tie("value"), { maxKeys: 5 }),
    ),
  }));
  return value;
}

/** Namespaces as a peer may send them: "/" then anything but "," and control characters. */
export const namespace = fc.oneof(
  fc.constant("/"),
  fc
    .string({ maxLength: 40, unit: "grapheme" })
    .filter((s) => ![...s].some((c) => c === "," || c < " " || c === "\x7f"))
    .map((s) => `/${s}`),
);

export const ackId = fc.oneof(fc.nat(1000), fc.maxSafeNat());

const eventName = fc.string({ maxLength: 20 }).filter((name) => !RESERVED_EVENTS.has(name));

export function socketPacketWith(options: ValueOptions): fc.Arbitrary<Packet> {
  const args = fc.array(jsonWithBinary(options), { maxLength: 4 });
  const plainObject = fc.dictionary(
    fc.string({ maxLength: 12 }).filter((k) => k !== "__proto__"),
    jsonWithBinary({ binary: false, protoKey: false }),
    { maxKeys: 4 },
  );
  const withId = <T extends Packet>(packet: T, id: number | null): T =>
    id === null ? packet : { ...packet, id };
  return fc.oneof(
    fc
      .tuple(namespace, fc.option(plainObject))
      .map(
        ([nsp, data]): Packet =>
          data === null
            ? { type: PacketType.CONNECT, nsp }
            : { type: PacketType.CONNECT, nsp, data },
      ),
    namespace.map((nsp): Packet => ({ type: PacketType.DISCONNECT, nsp })),
    fc
      .tuple(namespace, fc.oneof(fc.string(), plainObject))
      .map(([nsp, data]): Packet => ({ type: PacketType.CONNECT_ERROR, nsp, data })),
    fc
      .tuple(namespace, eventName, args, fc.option(ackId))
      .map(([nsp, name, rest, id]) =>
        withId({ type: PacketType.EVENT, nsp, data: [name, ...rest] }, id),
      ),
    fc
      .tuple(namespace, args, ackId)
      .map(([nsp, data, id]): Packet => ({ type: PacketType.ACK, nsp, data, id })),
  );
}

/** Packets whose data may hold binary and "__proto__" keys anywhere: for Parley round trips. */
export const anySocketPacket = socketPacketWith({ binary: true, protoKey: true });
/** The same without "__proto__" keys: what the official parser also round-trips. */
export const socketPacket = socketPacketWith({ binary: true, protoKey: false });

/** Engine.IO packets that travel as text: any type, data never empty nor holding U+001E. */
export const engineTextPacket: fc.Arbitrary<EnginePacket> = fc
  .tuple(
    fc.constantFrom<EnginePacket["type"]>(
      "open",
      "close",
      "ping",
      "pong",
      "message",
      "upgrade",
      "noop",
    ),
    fc.option(
      fc.string({ minLength: 1, maxLength: 40, unit: "binary" }).filter((s) => !s.includes("\x1e")),
    ),
  )
  .map(([type, data]): EnginePacket => (data === null ? { type } : { type, data }));

/** How Parley's decoder reports `packet` after a round trip: promoted type, attachment count. */
export function expectedDecode(packet: Packet): Packet {
  const count = countBinary(packet.data);
  const out: Packet = { type: packet.type, nsp: packet.nsp === "" ? "/" : packet.nsp };
  if (count > 0) {
    out.type = packet.type === PacketType.ACK ? PacketType.BINARY_ACK : PacketType.BINARY_EVENT;
    out.attachments = count;
  }
  if (packet.id !== undefined) out.id = packet.id;
  if (packet.data !== undefined) out.data = packet.data;
  return out;
}

function countBinary(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return 1;
  let count = 0;
  for (const item of Object.values(value)) count += countBinary(item);
  return count;
}
