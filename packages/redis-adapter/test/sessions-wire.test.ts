import { describe, expect, it } from "vitest";
import { isNodeId, newNodeId, ownerOf } from "../src/sessions/node-id.js";
import { Tunnel, TunnelError, type TunnelLink } from "../src/sessions/tunnel.js";
import {
  decodeRelayMessage,
  encodeControl,
  encodeTunnel,
  Kind,
  REPLY,
  type TunnelMessage,
} from "../src/sessions/wire.js";

const NODE = "abcDEF-_";

describe("session relay wire format", () => {
  it("round-trips control and tunnel messages, binary payloads intact", () => {
    for (const kind of [Kind.HELLO, Kind.HEARTBEAT, Kind.BYE] as const) {
      expect(decodeRelayMessage(encodeControl(kind, NODE))).toEqual({ kind, from: NODE });
    }
    const payload = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
    for (const reply of [false, true]) {
      const raw = encodeTunnel(Kind.DATA, NODE, reply, 0xfffffffe, payload);
      const message = decodeRelayMessage(raw) as TunnelMessage;
      expect(message).toMatchObject({ kind: Kind.DATA, from: NODE, reply, tunnel: 0xfffffffe });
      expect(message.payload.equals(payload)).toBe(true);
    }
    expect(decodeRelayMessage(encodeTunnel(Kind.END, NODE, true, 7))).toMatchObject({
      kind: Kind.END,
      reply: true,
      tunnel: 7,
    });
  });

  it("says why it refuses malformed messages, never throws", () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.alloc(0), /too short/],
      [Buffer.from("{}{}{}{}{}{}"), /bad magic/],
      [Buffer.from([0x50, 2, 1, ...Buffer.from(NODE)]), /version/],
      [Buffer.from([0x50, 1, 1, ...Buffer.from("abc!efgh")]), /node id/],
      [Buffer.from([0x50, 1, 42, ...Buffer.from(NODE)]), /unknown kind/],
      [Buffer.from([0x50, 1, 1 | REPLY, ...Buffer.from(NODE)]), /control/],
      [Buffer.from([0x50, 1, 2, ...Buffer.from(NODE), 0]), /control/],
      [Buffer.from([0x50, 1, 17, ...Buffer.from(NODE), 0, 0]), /tunnel id/],
      [Buffer.from([0x50, 1, 16 | REPLY, ...Buffer.from(NODE), 0, 0, 0, 1]), /OPEN/],
      [Buffer.from([0x50, 1, 19, ...Buffer.from(NODE), 0, 0, 0, 1, 9]), /no payload/],
    ];
    for (const [raw, why] of cases) expect(decodeRelayMessage(raw)).toMatch(why);
  });

  it("session ids name their node", () => {
    const node = newNodeId();
    expect(isNodeId(node)).toBe(true);
    expect(ownerOf(`${node}${"x".repeat(20)}`)).toBe(node);
    expect(ownerOf(`${node}${"x".repeat(19)}`)).toBeNull(); // too short for a relay's sid
    expect(ownerOf(`ab.DEF-_${"x".repeat(20)}`)).toBeNull();
  });
});

/** A link that records what the tunnel publishes; publishes settle when the test says. */
class RecordingLink implements TunnelLink {
  readonly sent: { kind: TunnelMessage["kind"]; payload?: Buffer | undefined }[] = [];
  readonly pending: (() => void)[] = [];
  forgotten = 0;
  send(_t: Tunnel, kind: TunnelMessage["kind"], payload?: Buffer): Promise<unknown> {
    this.sent.push({ kind, payload });
    return new Promise<void>((resolve) => this.pending.push(resolve));
  }
  forget(): void {
    this.forgotten++;
  }
  settle(): void {
    for (const resolve of this.pending.splice(0)) resolve();
  }
}

describe("Tunnel", () => {
  it("opens with its first write, ends in good order without a RESET", async () => {
    const link = new RecordingLink();
    const tunnel = new Tunnel(link, NODE, 1, true, 1000);
    tunnel.write(Buffer.from("GET / HTTP/1.1\r\n\r\n"));
    tunnel.write(Buffer.from("more"));
    expect(link.sent.map((s) => s.kind)).toEqual([Kind.OPEN, Kind.DATA]);
    const got: Buffer[] = [];
    tunnel.on("data", (d: Buffer) => got.push(d));
    tunnel.receive(Kind.DATA, Buffer.from("answer"));
    tunnel.receive(Kind.END, Buffer.alloc(0));
    tunnel.end();
    link.settle();
    await new Promise((r) => tunnel.once("close", r));
    expect(Buffer.concat(got).toString()).toBe("answer");
    expect(link.sent.map((s) => s.kind)).toEqual([Kind.OPEN, Kind.DATA, Kind.END]);
    expect(link.forgotten).toBe(1);
  });

  it("is destroyed, and tells its peer, when more than its limit waits unread", async () => {
    const link = new RecordingLink();
    const tunnel = new Tunnel(link, NODE, 2, false, 100);
    const closed = new Promise<Error | undefined>((r) => tunnel.once("error", r));
    tunnel.receive(Kind.DATA, Buffer.alloc(60));
    tunnel.receive(Kind.DATA, Buffer.alloc(60));
    const error = await closed;
    expect(error).toBeInstanceOf(TunnelError);
    expect((error as TunnelError).code).toBe("RELAY_BUFFER_OVERFLOW");
    expect(link.sent.map((s) => s.kind)).toEqual([Kind.RESET]);
  });

  it("holds writes back while more than its limit is unacknowledged by Redis", async () => {
    const link = new RecordingLink();
    const tunnel = new Tunnel(link, NODE, 3, true, 100);
    let done = 0;
    tunnel.write(Buffer.alloc(80), () => done++);
    tunnel.write(Buffer.alloc(80), () => done++);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(1);
    link.settle();
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(2);
    tunnel.destroy();
  });

  it("a RESET from the peer destroys it without an answer", async () => {
    const link = new RecordingLink();
    const tunnel = new Tunnel(link, NODE, 4, false, 100);
    const error = new Promise<Error>((r) => tunnel.once("error", r));
    tunnel.receive(Kind.RESET, Buffer.alloc(0));
    expect(((await error) as TunnelError).code).toBe("RELAY_RESET");
    expect(link.sent).toEqual([]);
  });
});
