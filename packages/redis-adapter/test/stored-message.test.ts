import { type Packet, PacketType } from "@parley/protocol";
import { describe, expect, it } from "vitest";
import { decode, encode } from "../src/codec.js";
import { encodeStored, ownStoredPrefix, storedToMessage } from "../src/durable/stored-message.js";

const UID = "0123456789abcdef";

function event(data: unknown[]): Packet {
  return { type: PacketType.EVENT, nsp: "/chat", data };
}

function asBuffer(encoded: string | Buffer): Buffer {
  return typeof encoded === "string" ? Buffer.from(encoded) : encoded;
}

describe("stored broadcasts (durable sessions' compact form)", () => {
  it("round-trips to the broadcast cluster message it stands for", () => {
    const encoded = encodeStored(UID, event(["tick", 1, { a: "b" }]), {
      rooms: new Set(["r1", "r2"]),
      except: new Set(["x"]),
    });
    expect(encoded).toBe(`["${UID}",["r1","r2"],["x"],["tick",1,{"a":"b"}]]`);
    expect(storedToMessage(decode(asBuffer(encoded)), "/chat")).toEqual({
      uid: UID,
      nsp: "/chat",
      type: "broadcast",
      packet: { type: 2, nsp: "/chat", data: ["tick", 1, { a: "b" }] },
      opts: { rooms: ["r1", "r2"], except: ["x"], flags: {} },
    });
  });

  it("keeps flags and binary data (in the codec's binary envelope)", () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const encoded = encodeStored(UID, event(["file", bytes]), {
      rooms: new Set(),
      flags: { compress: false },
    });
    expect(Buffer.isBuffer(encoded)).toBe(true);
    const message = storedToMessage(decode(asBuffer(encoded)), "/");
    expect(message).toMatchObject({
      uid: UID,
      packet: { data: ["file", bytes] },
      opts: { rooms: [], except: [], flags: { compress: false } },
    });
  });

  it("starts with the uid, so a server spots its own echo by prefix", () => {
    const encoded = asBuffer(encodeStored(UID, event(["e"]), { rooms: new Set(["r"]) }));
    const prefix = ownStoredPrefix(UID);
    expect(encoded.subarray(0, prefix.length).equals(prefix)).toBe(true);
  });

  it("costs the payload plus ~30 bytes, not a full cluster message (~130 bytes more)", () => {
    const payload = "x".repeat(40);
    const stored = encodeStored(UID, event(["tick", payload]), { rooms: new Set(["r"]) });
    const full = encode({
      uid: UID,
      nsp: "/",
      type: "broadcast",
      packet: { type: 2, nsp: "/", data: ["tick", payload] },
      opts: { rooms: ["r"], except: [], flags: {} },
    });
    expect(stored.length).toBeLessThanOrEqual(UID.length + payload.length + 32);
    expect(full.length - stored.length).toBeGreaterThanOrEqual(80);
  });

  it("reads histories written before it (a full cluster message) as they were", () => {
    const legacy = {
      uid: UID,
      nsp: "/",
      type: "broadcast",
      packet: { type: 2, nsp: "/", data: ["old", 1] },
      opts: { rooms: ["r"], except: [], flags: {} },
    };
    expect(storedToMessage(decode(asBuffer(encode(legacy))), "/")).toEqual(legacy);
  });

  it("rejects malformed stored entries with a reason", () => {
    for (const bad of [[], [UID], [UID, ["r"], [], "not an array"], [UID, [1], [], ["e"]]]) {
      expect(typeof storedToMessage(bad, "/")).toBe("string");
    }
    expect(typeof storedToMessage([UID, ["r"], [], ["e"], {}, "extra"], "/")).toBe("string");
  });
});
