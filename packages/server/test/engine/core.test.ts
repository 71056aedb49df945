import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { EnginePacket } from "@parley/protocol";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ConnectionCloseReason,
  type CoreOptions,
  EngineCore,
  EngineErrorCode,
  type HandshakeInfo,
  isRefusal,
  type OutgoingItem,
  type PacketInfo,
  parseQuery,
  type RequestRecord,
  type Session,
  TRANSPORTS,
  type Transport,
  type TransportName,
  type TransportSink,
} from "../../src/engine/core/index.js";

/**
 * The engine core driven by a fake runtime: no HTTP server, no socket, no `ws`. A fake front
 * makes request records and fake transports, as a real front (Node, Bun) does with its own.
 */

const here = dirname(fileURLToPath(import.meta.url));
const coreDir = resolve(here, "../../src/engine/core");

/** A transport that records what the session writes and lets the test play the peer. */
class FakeTransport implements Transport {
  readonly name: TransportName;
  readonly duplex: boolean;
  readonly upgradesTo: readonly TransportName[];
  /** Polling: a GET is waiting. Duplex: always. */
  ready: boolean;
  readonly written: OutgoingItem[][] = [];
  sink: TransportSink | null = null;
  closed = false;
  discarded = false;

  constructor(name: TransportName) {
    const kind = TRANSPORTS[name];
    this.name = name;
    this.duplex = kind.duplex;
    this.upgradesTo = kind.upgradesTo;
    this.ready = kind.duplex;
  }

  get writable(): boolean {
    return this.ready && !this.closed && !this.discarded;
  }

  bind(sink: TransportSink): void {
    this.sink = sink;
  }

  bufferedBytes(): number {
    return 0;
  }

  write(items: readonly OutgoingItem[], done?: () => void): void {
    this.written.push([...items]);
    if (!this.duplex) this.ready = false;
    done?.();
  }

  writeItem(item: OutgoingItem, _notifyDrain: boolean, done?: () => void): void {
    this.write([item], done);
  }

  discard(): void {
    this.discarded = true;
  }

  close(): void {
    this.closed = true;
  }

  /** The peer polls (a GET arrives). */
  poll(): void {
    this.ready = true;
    this.sink?.onTransportReady(this);
  }

  /** The peer sends a packet. */
  receive(packet: EnginePacket): void {
    this.sink?.onTransportPacket(this, packet);
  }

  /** Every packet written so far, flattened. */
  packets(): EnginePacket[] {
    return this.written.flat().filter((item): item is EnginePacket => "type" in item);
  }
}

interface FakeRequest {
  readonly tag: string;
}

function options(overrides: Partial<CoreOptions<FakeRequest>> = {}): CoreOptions<FakeRequest> {
  return {
    pingInterval: 25_000,
    pingTimeout: 20_000,
    upgradeTimeout: 10_000,
    maxHttpBufferSize: 1e6,
    transports: new Set<TransportName>(["polling", "websocket"]),
    allowUpgrades: true,
    allowRequest: undefined,
    maxBufferedBytes: 1 << 20,
    initialPacket: undefined,
    allowEIO3: false,
    ...overrides,
  };
}

function record(query: string, method = "GET"): RequestRecord<FakeRequest> {
  const url = `/socket.io/?${query}`;
  return {
    method,
    url,
    query: parseQuery(url),
    headers: { host: "fake" },
    remoteAddress: "10.0.0.7",
    native: { tag: query },
  };
}

let nextId = 0;
const cores: EngineCore<FakeRequest>[] = [];

function fakeCore(overrides: Partial<CoreOptions<FakeRequest>> = {}) {
  const connections: Session<FakeRequest>[] = [];
  const errors: unknown[] = [];
  const core = new EngineCore<FakeRequest>(options(overrides), {
    generateId: () => `fake-${++nextId}`,
    handshakeInfo: (req): HandshakeInfo => ({ url: req.tag, headers: {}, secure: false }),
    retainRequest: (req) => req,
    onConnection: (session) => connections.push(session),
    reportError: (error) => errors.push(error),
  });
  cores.push(core);
  /** A handshake as a front runs it: verify, id, transport, openSession. */
  const handshake = (transportName: TransportName, query = "EIO=4") => {
    const req = record(`${query}&transport=${transportName}`);
    const verdict = core.verify(req, transportName === "websocket");
    if (verdict instanceof Promise || isRefusal(verdict) || !("handshake" in verdict)) {
      throw new Error("expected a handshake");
    }
    const id = core.newId(req.native);
    if (typeof id !== "string") throw new Error("expected an id");
    const transport = new FakeTransport(transportName);
    if (!transport.duplex) transport.poll();
    const session = core.openSession(id, req, transport, 4);
    return { session, transport };
  };
  return { core, connections, errors, handshake };
}

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function closeReason(session: Session<FakeRequest>): Promise<ConnectionCloseReason> {
  return new Promise((resolve) => session.once("close", (reason) => resolve(reason)));
}

afterEach(() => {
  for (const core of cores.splice(0)) core.close();
});

describe("engine core on a fake runtime", () => {
  it("nothing reachable from core/ imports node:http, node:net, node:stream or ws", () => {
    const seen = new Set<string>();
    const forbidden: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, "utf8");
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        const spec = match[1] as string;
        if (/^(node:)?(http|https|net|stream|tls)$/.test(spec) || spec === "ws") {
          forbidden.push(`${file}: ${spec}`);
        } else if (spec.startsWith(".")) {
          visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
        }
      }
    };
    visit(resolve(coreDir, "index.ts"));
    expect(seen.size).toBeGreaterThan(10);
    expect(forbidden).toEqual([]);
  });

  it("a polling handshake writes the OPEN packet with the sid, upgrades and heartbeat", () => {
    const { handshake, connections } = fakeCore({ pingInterval: 300, pingTimeout: 200 });
    const { session, transport } = handshake("polling");
    expect(connections).toEqual([session]);
    expect(session.readyState).toBe("open");
    expect(session.remoteAddress).toBe("10.0.0.7");
    expect(session.handshakeRequest.url).toBe("EIO=4&transport=polling");
    const [open] = transport.packets();
    expect(open?.type).toBe("open");
    expect(JSON.parse(open?.data as string)).toEqual({
      sid: session.id,
      upgrades: ["websocket"],
      pingInterval: 300,
      pingTimeout: 200,
      maxPayload: 1e6,
    });
  });

  it("a WebSocket handshake offers no upgrade; upgrades off or websocket not served offer none", () => {
    const ws = fakeCore().handshake("websocket");
    expect(JSON.parse(ws.transport.packets()[0]?.data as string).upgrades).toEqual([]);
    const off = fakeCore({ allowUpgrades: false }).handshake("polling");
    expect(JSON.parse(off.transport.packets()[0]?.data as string).upgrades).toEqual([]);
    const pollingOnly = fakeCore({ transports: new Set(["polling"]) }).handshake("polling");
    expect(JSON.parse(pollingOnly.transport.packets()[0]?.data as string).upgrades).toEqual([]);
  });

  it("pings, takes a pong, and closes with 'ping timeout' when the next pong never comes", async () => {
    const { handshake } = fakeCore({ pingInterval: 40, pingTimeout: 40 });
    const { session, transport } = handshake("websocket");
    const pings = () => transport.packets().filter((p) => p.type === "ping").length;
    let heartbeats = 0;
    session.on("heartbeat", () => heartbeats++);
    await until(() => pings() === 1);
    transport.receive({ type: "pong" });
    expect(heartbeats).toBe(1);
    const closed = closeReason(session);
    await until(() => pings() === 2);
    expect(await closed).toBe("ping timeout");
    expect(session.readyState).toBe("closed");
    expect(transport.closed).toBe(true);
  });

  it("polling: packets sent in one tick go out in one response, at the next GET", async () => {
    const { handshake } = fakeCore();
    const { session, transport } = handshake("polling");
    session.send("a");
    session.send("b");
    await until(() => transport.written.length === 1);
    transport.poll();
    await until(() => transport.written.length === 2);
    expect(transport.written[1]?.map((p) => ("data" in p ? p.data : undefined))).toEqual([
      "a",
      "b",
    ]);
  });

  it("upgrades polling to a probing transport: pong probe, noop, then the switch", async () => {
    const { handshake, core } = fakeCore();
    const { session, transport: polling } = handshake("polling");
    const req = record(`EIO=4&transport=websocket&sid=${session.id}`);
    const verdict = core.verify(req, true);
    expect(!(verdict instanceof Promise) && "session" in verdict && verdict.session).toBe(session);
    const probe = new FakeTransport("websocket");
    session.startProbe(probe);
    expect(session.upgrading).toBe(true);
    polling.poll();
    probe.receive({ type: "ping", data: "probe" });
    expect(probe.packets()).toEqual([{ type: "pong", data: "probe" }]);
    // The waiting GET is released so the client can pause polling.
    expect(polling.packets().at(-1)).toEqual({ type: "noop" });
    session.send("held until the switch");
    const upgraded = new Promise((r) => session.once("upgrade", r));
    probe.receive({ type: "upgrade" });
    expect(await upgraded).toBe(probe);
    expect(session.transport).toBe(probe);
    expect(polling.discarded).toBe(true);
    await until(() => probe.packets().length === 2);
    expect(probe.packets()[1]).toEqual({ type: "message", data: "held until the switch" });
    // A second probe on an upgraded session is closed, as engine.io does.
    const late = new FakeTransport("websocket");
    session.startProbe(late);
    expect(late.closed).toBe(true);
  });

  it("refuses requests naming an unknown session, the wrong transport or none", async () => {
    const { core, handshake } = fakeCore();
    const { session } = handshake("polling");
    const check = (query: string, upgrade = false, method = "GET") => {
      const verdict = core.verify(record(query, method), upgrade);
      if (verdict instanceof Promise || !isRefusal(verdict)) return "accepted";
      return { code: verdict.code, name: verdict.context.name };
    };
    expect(check("EIO=4&transport=polling&sid=nope")).toEqual({
      code: EngineErrorCode.UNKNOWN_SID,
      name: undefined,
    });
    expect(check(`EIO=4&transport=websocket&sid=${session.id}`)).toEqual({
      code: EngineErrorCode.BAD_REQUEST,
      name: "TRANSPORT_MISMATCH",
    });
    expect(check("EIO=4&transport=carrier-pigeon")).toEqual({
      code: EngineErrorCode.UNKNOWN_TRANSPORT,
      name: undefined,
    });
    expect(check("EIO=4&transport=websocket")).toEqual({
      code: EngineErrorCode.BAD_REQUEST,
      name: "TRANSPORT_HANDSHAKE_ERROR",
    });
    expect(check("EIO=4&transport=polling", false, "POST")).toEqual({
      code: EngineErrorCode.BAD_HANDSHAKE_METHOD,
      name: undefined,
    });
    expect(check("EIO=3&transport=polling")).toEqual({
      code: EngineErrorCode.UNSUPPORTED_PROTOCOL_VERSION,
      name: undefined,
    });
    expect(check(`EIO=4&transport=polling&sid=${session.id}`)).toBe("accepted");
  });

  it("allowRequest sees the runtime's own request object", async () => {
    const seen: FakeRequest[] = [];
    const { core } = fakeCore({
      allowRequest: (req, cb) => {
        seen.push(req);
        cb("go away", false);
      },
    });
    const req = record("EIO=4&transport=polling");
    const verdict = await core.verify(req, false);
    expect(seen).toEqual([req.native]);
    expect(isRefusal(verdict) && verdict.body).toBe("go away");
  });

  it("a closed session leaves the table; its requests then get 'Session ID unknown'", async () => {
    const { core, handshake } = fakeCore();
    const { session, transport } = handshake("websocket");
    expect(core.sessions.get(session.id)).toBe(session);
    const closed = closeReason(session);
    transport.receive({ type: "close" });
    expect(await closed).toBe("transport close");
    expect(core.sessions.has(session.id)).toBe(false);
    const verdict = core.verify(record(`EIO=4&transport=websocket&sid=${session.id}`), true);
    expect(!(verdict instanceof Promise) && isRefusal(verdict) && verdict.code).toBe(
      EngineErrorCode.UNKNOWN_SID,
    );
  });

  it("the packet hook sees every packet in and out, before engine.io's events, and costs nothing unset", async () => {
    const { core, handshake, errors } = fakeCore();
    const seen: string[] = [];
    const describe = (p: PacketInfo) => `${p.type}${p.data === undefined ? "" : `:${p.data}`}`;
    core.packetHook = {
      incoming: (conn, p) => seen.push(`in ${conn.id} ${describe(p)}`),
      outgoing: (conn, p) => seen.push(`out ${conn.id} ${describe(p)}`),
    };
    // The OPEN packet is made inside openSession: the hook sees it too.
    const { session, transport } = handshake("websocket");
    session.on("packet", (p) => seen.push(`event packet ${describe(p)}`));
    session.on("packetCreate", (p) => seen.push(`event packetCreate ${describe(p)}`));
    transport.receive({ type: "message", data: "hi" });
    session.send("yo");
    session.sendPrepared({ frames: ["b1", "b2"], options: {}, cache: new Map() });
    const id = session.id;
    expect(seen[0]).toMatch(new RegExp(`^out ${id} open:\\{"sid":"${id}"`));
    expect(seen.slice(1)).toEqual([
      `in ${id} message:hi`,
      "event packet message:hi",
      `out ${id} message:yo`,
      "event packetCreate message:yo",
      `out ${id} message:b1`,
      "event packetCreate message:b1",
      `out ${id} message:b2`,
      "event packetCreate message:b2",
    ]);
    // A hook that throws is reported; the packet still reaches the session.
    core.packetHook = {
      incoming: () => {
        throw new Error("hook failed");
      },
      outgoing: () => {},
    };
    let messages = 0;
    session.on("message", () => messages++);
    transport.receive({ type: "message", data: "again" });
    expect(messages).toBe(1);
    expect(errors).toHaveLength(1);
    // Unset: nothing is called, packets flow as before.
    core.packetHook = null;
    const before = seen.length;
    session.removeAllListeners("packet");
    session.removeAllListeners("packetCreate");
    transport.receive({ type: "message", data: "quiet" });
    session.send("quiet");
    expect(seen.length).toBe(before);
    await until(() => transport.packets().some((p) => p.data === "quiet"));
  });
});
