import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Socket } from "../src/index.js";
import { type Harness, next, startServer, until } from "./helpers.js";

/** A raw Engine.IO/WebSocket peer speaking the wire protocol by hand. */
class RawPeer {
  readonly ws: WebSocket;
  readonly received: (string | Buffer)[] = [];
  closed = false;

  constructor(port: number) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    this.ws.on("message", (data, isBinary) => {
      const frame = isBinary ? (data as Buffer) : data.toString();
      // Answer pings so only our own bad input can end the session.
      if (frame === "2") this.ws.send("3");
      else this.received.push(frame);
    });
    this.ws.on("close", () => {
      this.closed = true;
    });
    this.ws.on("error", () => {});
  }

  async open(): Promise<void> {
    await until(
      () => this.received.some((f) => typeof f === "string" && f.startsWith("0")),
      "open",
    );
  }

  /** Sends one raw Engine.IO text frame (`4` + a Socket.IO packet for a message). */
  send(frame: string): void {
    this.ws.send(frame);
  }

  sendBinary(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  async connectNamespace(nsp = "/"): Promise<void> {
    this.send(nsp === "/" ? "40" : `40${nsp},`);
    const prefix = nsp === "/" ? "40{" : `40${nsp},{`;
    await until(
      () => this.received.some((f) => typeof f === "string" && f.startsWith(prefix)),
      "CONNECT",
    );
  }

  has(text: string): boolean {
    return this.received.some((f) => f === text);
  }
}

describe("bad input from a raw peer", () => {
  let h: Harness;
  const peers: RawPeer[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) p.ws.terminate();
    await h?.close();
  });

  async function setup(): Promise<{ sockets: Socket[]; reasons: string[]; errors: unknown[] }> {
    h = await startServer({ pingInterval: 10_000 });
    const sockets: Socket[] = [];
    const reasons: string[] = [];
    const errors: unknown[] = [];
    h.io.on("handler_error", (err) => errors.push(err));
    h.io.on("connection", (s) => {
      sockets.push(s);
      // socket.io's order for input that does not decode: "error", then "forced close".
      // (A client's own `emit("error", …)` arrives here too, without an Error.)
      s.on("error", (e: unknown) => {
        if (e instanceof Error) reasons.push(`error ${(e as Error & { code?: string }).code}`);
      });
      s.on("disconnect", (r) => reasons.push(r));
      s.on("echo", (x: unknown, cb?: (x: unknown) => void) => cb?.(x));
    });
    return { sockets, reasons, errors };
  }

  async function peer(nsp?: string): Promise<RawPeer> {
    const p = new RawPeer(h.port);
    peers.push(p);
    await p.open();
    await p.connectNamespace(nsp);
    return p;
  }

  /** A healthy official client still gets its answers: the server kept serving. */
  async function stillServing(): Promise<void> {
    const c = h.client("/", { transports: ["websocket"] });
    await expect(c.timeout(2000).emitWithAck("echo", "alive")).resolves.toBe("alive");
    c.disconnect();
  }

  it('ignores 42["error"] when nobody listens for "error"', async () => {
    const { sockets, reasons } = await setup();
    const p = await peer();
    p.send('42["error","boom"]');
    p.send('42["error"]');
    p.send('421["echo","after"]');
    await until(() => p.has('431["after"]'), "echo after error");
    expect(p.closed).toBe(false);
    expect(reasons).toEqual([]);
    expect(sockets[0]!.connected).toBe(true);
  });

  it.each([
    ['42[{"toString":"foo"}]'],
    ['42[true,"foo"]'],
    ['42[null,"bar"]'],
    ["42[]"],
    ['42{"not":"an array"}'],
    ['42["unterminated'],
    ['42["disconnect"]'],
    ['45999999-["x"]'],
    ['4-["x"]'],
    ['41/\u0001bad,["x"]'],
    ["4399999999999999999999[]"],
  ])("emits error, then closes the session with forced close, on %s", async (packet) => {
    const { reasons } = await setup();
    const p = await peer();
    p.send(packet);
    await until(() => p.closed, "session closed");
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/^error [A-Z_]+$/);
    expect(reasons[1]).toBe("forced close");
    await stillServing();
  });

  it("closes the session with parse error, and no error event, on a bad Engine.IO packet", async () => {
    // As engine.io: the Engine.IO layer refuses it before any Socket.IO decoding.
    const { reasons } = await setup();
    const p = await peer();
    p.send("9garbage");
    await until(() => p.closed, "session closed");
    expect(reasons).toEqual(["parse error"]);
    await stillServing();
  });

  it("rejects placeholder abuse and stray binary frames", async () => {
    const { reasons } = await setup();
    const p1 = await peer();
    p1.send('451-["x",{"_placeholder":true,"num":"splice"}]');
    p1.sendBinary(Buffer.from([1, 2, 3]));
    const p2 = await peer();
    p2.send('451-["x",{"_placeholder":true,"num":7}]');
    p2.sendBinary(Buffer.from([1]));
    const p3 = await peer();
    p3.sendBinary(Buffer.from([9, 9]));
    const p4 = await peer();
    p4.send('452-["x",{"_placeholder":true,"num":0}]');
    p4.sendBinary(Buffer.from([1]));
    p4.send('42["text while waiting"]');
    await until(() => p1.closed && p2.closed && p3.closed && p4.closed, "all closed");
    expect(reasons.filter((r) => r === "forced close")).toHaveLength(4);
    expect(reasons.filter((r) => r.startsWith("error "))).toEqual([
      "error INVALID_PLACEHOLDER",
      "error INVALID_PLACEHOLDER",
      "error UNEXPECTED_BINARY",
      "error UNEXPECTED_TEXT_PACKET",
    ]);
    await stillServing();
  });

  it("a binary packet with a bad attachment count is socket.io's 'Illegal attachments'", async () => {
    const { sockets } = await setup();
    const messages: string[] = [];
    const p1 = await peer();
    sockets[0]!.on("error", (e: Error) => messages.push(e.message));
    p1.send("45woooot");
    const p2 = await peer();
    sockets[1]!.on("error", (e: Error & { code?: string }) => messages.push(String(e.code)));
    p2.send("45");
    await until(() => p1.closed && p2.closed, "both closed");
    expect(messages[0]).toMatch(/^Illegal attachments: /);
    expect(messages[1]).toBe("INVALID_ATTACHMENT_COUNT");
  });

  it("accepts a well-formed binary event", async () => {
    const { sockets } = await setup();
    const got: unknown[] = [];
    const p = await peer();
    sockets[0]!.on("bin", (buf: Buffer) => got.push([...buf]));
    p.send('451-["bin",{"_placeholder":true,"num":0}]');
    p.sendBinary(Buffer.from([7, 8]));
    await until(() => got.length === 1, "binary event");
    expect(got).toEqual([[7, 8]]);
  });

  it("ends the connection on an EVENT before any CONNECT (socket.io's invalid state)", async () => {
    await setup();
    const p = new RawPeer(h.port);
    peers.push(p);
    await p.open();
    p.send('42["echo","too early"]');
    await until(() => p.closed, "closed");
    await stillServing();
  });

  it("ignores an EVENT for a namespace it is not in while connected to another", async () => {
    await setup();
    const p = await peer();
    p.send('42/other,["echo","unknown nsp"]');
    p.send('421["echo","ok"]');
    await until(() => p.has('431["ok"]'), "ack");
    expect(p.closed).toBe(false);
  });

  it("ends the connection on a duplicate CONNECT to the same namespace", async () => {
    const { reasons } = await setup();
    const p = await peer();
    p.send("40");
    await until(() => p.closed, "closed");
    expect(reasons).toEqual(["forced server close"]);
    await stillServing();
  });

  it("ignores a double ack reply and an ack for an unknown id", async () => {
    const { sockets } = await setup();
    const p = await peer();
    const replies: unknown[] = [];
    sockets[0]!.emit("q", (x: unknown) => replies.push(x));
    await until(() => p.received.some((f) => f === '420["q"]'), "event with ack id");
    p.send("430[1]");
    p.send("430[2]");
    p.send('4312345["x"]');
    p.send('421["echo","fine"]');
    await until(() => p.has('431["fine"]'), "still working");
    expect(replies).toEqual([1]);
  });

  it("survives a listener that throws and one that rejects", async () => {
    const { sockets, errors } = await setup();
    const p = await peer();
    sockets[0]!.on("sync", () => {
      throw new Error("sync");
    });
    sockets[0]!.on("async", () => Promise.reject(new Error("async")));
    p.send('42["sync"]');
    p.send('42["async"]');
    p.send('421["echo","ok"]');
    await until(() => p.has('431["ok"]') && errors.length === 2, "errors reported");
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(["async", "sync"]);
  });

  it("closes a raw session that never sends CONNECT after connectTimeout", async () => {
    h = await startServer({ connectTimeout: 50 });
    const p = new RawPeer(h.port);
    peers.push(p);
    await p.open();
    await until(() => p.closed, "closed by connectTimeout");
    expect(p.closed).toBe(true);
  });

  it("does not crash when the client leaves mid-middleware", async () => {
    h = await startServer();
    let release: (() => void) | undefined;
    h.io.use((_socket, nextFn) => {
      release = () => nextFn();
    });
    const connections: Socket[] = [];
    h.io.on("connection", (s) => connections.push(s));
    const p = new RawPeer(h.port);
    peers.push(p);
    await p.open();
    p.send("40");
    await until(() => release !== undefined, "middleware running");
    p.ws.terminate();
    await next(p.ws, "close");
    await new Promise((r) => setTimeout(r, 20));
    release!();
    expect(connections).toEqual([]);
    expect(h.io.sockets.sockets.size).toBe(0);
  });
});
