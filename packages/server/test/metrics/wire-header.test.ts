import { encodePacket, type Packet, PacketType } from "@parley/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readHeader } from "../../src/metrics/wire-header.js";

const nsp = fc.oneof(fc.constant("/"), fc.stringMatching(/^\/[a-z0-9\-_/]{1,12}$/));
const data = fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 3 });

describe("readHeader", () => {
  it("reads type, namespace, ack id and attachment count of anything the encoder writes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(PacketType.EVENT, PacketType.ACK),
        nsp,
        fc.option(fc.integer({ min: 0, max: 2 ** 31 }), { nil: undefined }),
        data,
        fc.integer({ min: 0, max: 3 }),
        (type, name, id, args, buffers) => {
          const payload: unknown[] = type === PacketType.EVENT ? ["ev", ...args] : [...args];
          for (let i = 0; i < buffers; i++) payload.push(new Uint8Array([i]));
          const packet: Packet = { type, nsp: name, data: payload };
          if (id !== undefined || type === PacketType.ACK) packet.id = id ?? 0;
          const [text] = encodePacket(packet);
          const header = readHeader(text as string);
          const binary = buffers > 0;
          expect(header).toMatchObject({
            type: binary
              ? type === PacketType.EVENT
                ? PacketType.BINARY_EVENT
                : PacketType.BINARY_ACK
              : type,
            nsp: name,
            id: packet.id ?? -1,
            attachments: buffers,
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reads CONNECT with data, and gives up on what is not a Socket.IO packet", () => {
    expect(readHeader('0/chat,{"sid":"x"}')).toMatchObject({
      type: 0,
      nsp: "/chat",
      id: -1,
      dataStart: 7,
    });
    expect(readHeader("9")).toBeUndefined(); // no such packet type
    expect(readHeader("\u0000x")).toBeUndefined(); // a custom parser's bytes, as text
    expect(readHeader("")).toBeUndefined();
    expect(readHeader("51[]")).toBeUndefined(); // binary without its attachment count
  });
});
