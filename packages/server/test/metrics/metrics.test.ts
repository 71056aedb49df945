import type { Socket as NetSocket } from "node:net";
import { Registry } from "prom-client";
import type { Socket as ClientSocket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Socket } from "../../src/index.js";
import { attachMetrics, type ParleyMetrics } from "../../src/metrics/index.js";
import { type Harness, next, startServer, until } from "../helpers.js";
import { quickBus } from "../support/quick-bus.js";
import { sample, scrape } from "./scrape.js";

const running: Harness[] = [];
const attached: ParleyMetrics[] = [];
const peers: WebSocket[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.terminate();
  for (const m of attached.splice(0)) m.close();
  for (const h of running.splice(0)) await h.close();
});

async function serve(opts: Parameters<typeof startServer>[0] = {}): Promise<Harness> {
  const h = await startServer({ pingInterval: 60_000, ...opts });
  running.push(h);
  // The app's own routes, behind the metrics route, on the same HTTP server.
  h.http.on("request", (req, res) => {
    if (req.url?.startsWith("/socket.io/")) return;
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("app 404");
  });
  return h;
}

function metricsOf(h: Harness, opts: Parameters<typeof attachMetrics>[1] = {}): ParleyMetrics {
  const m = attachMetrics(h.io, { registry: new Registry(), ...opts });
  attached.push(m);
  return m;
}

function ack<T>(c: ClientSocket, ev: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve) => c.emit(ev, ...args, resolve));
}

describe("attachMetrics: a live server scraped over HTTP", () => {
  it("counts sockets, connections, packets, bytes, broadcasts, acks and disconnect reasons", async () => {
    const h = await serve();
    metricsOf(h);
    h.io.on("connection", (socket: Socket) => {
      socket.on("echo", (v: unknown, reply: (v: unknown) => void) => reply(v));
    });
    h.io.of("/chat").on("connection", () => {});
    const ws = h.client("/", { transports: ["websocket"] });
    const polling = h.client("/", { transports: ["polling"] });
    const chat = h.client("/chat", { transports: ["websocket"] });
    ws.on("ask", (n: number, reply: (v: number) => void) => reply(n + 1));
    await Promise.all([next(ws, "connect"), next(polling, "connect"), next(chat, "connect")]);

    let text = await scrape(`${h.url}/metrics`);
    expect(
      sample(text, "parley_sockets_connected", { namespace: "/", transport: "websocket" }),
    ).toBe(1);
    expect(sample(text, "parley_sockets_connected", { namespace: "/", transport: "polling" })).toBe(
      1,
    );
    expect(
      sample(text, "parley_sockets_connected", { namespace: "/chat", transport: "websocket" }),
    ).toBe(1);
    expect(sample(text, "parley_engine_clients", { transport: "websocket" })).toBe(2);
    expect(sample(text, "parley_connections_total", { namespace: "/" })).toBe(2);
    expect(sample(text, "parley_connections_total", { namespace: "/chat" })).toBe(1);
    expect(sample(text, "parley_engine_connections_total")).toBe(3);

    // Client → server with an ack, server → client with an ack, a broadcast, a binary packet.
    expect(await ack(ws, "echo", "hello")).toBe("hello");
    const server = [...h.io.of("/").sockets.values()].find(
      (s) => s.conn.transport.name === "websocket",
    );
    expect(await server?.emitWithAck("ask", 41)).toBe(42);
    const got = Promise.all([next(ws, "news"), next(polling, "news")]);
    h.io.emit("news", "one");
    await got;
    const bin = next(chat, "bin");
    h.io.of("/chat").emit("bin", Buffer.alloc(1000, 7));
    await bin;

    text = await scrape(`${h.url}/metrics`);
    const received = sample(text, "parley_packets_received_total", { namespace: "/" }) ?? 0;
    // Two CONNECTs, the "echo" event, the ACK of "ask".
    expect(received).toBe(4);
    expect(sample(text, "parley_bytes_received_total", { namespace: "/" })).toBeGreaterThan(20);
    // Two CONNECT answers, the ACK of "echo", "ask", "news" twice.
    expect(sample(text, "parley_packets_sent_total", { namespace: "/" })).toBe(6);
    // The binary packet: its header and its 1000-byte attachment, counted to "/chat".
    expect(sample(text, "parley_bytes_sent_total", { namespace: "/chat" })).toBeGreaterThan(1000);
    expect(
      sample(text, "parley_ack_latency_seconds_count", { namespace: "/", initiator: "client" }),
    ).toBe(1);
    expect(
      sample(text, "parley_ack_latency_seconds_count", { namespace: "/", initiator: "server" }),
    ).toBe(1);
    expect(sample(text, "parley_broadcast_recipients_count", { namespace: "/" })).toBe(1);
    expect(sample(text, "parley_broadcast_recipients_sum", { namespace: "/" })).toBe(2);
    expect(sample(text, "parley_broadcast_recipients_bucket", { namespace: "/", le: "1" })).toBe(0);
    expect(sample(text, "parley_broadcast_recipients_bucket", { namespace: "/", le: "2" })).toBe(1);
    expect(sample(text, "parley_broadcast_recipients_sum", { namespace: "/chat" })).toBe(1);
    expect(sample(text, "parley_rooms", { namespace: "/" })).toBe(2);

    // A client leaving its namespace, a client closing its connection, a server kick.
    const left = next(server as Socket, "disconnect");
    ws.disconnect();
    await left;
    const pollingServer = [...h.io.of("/").sockets.values()][0] as Socket;
    pollingServer.disconnect(true);
    await until(() => h.io.of("/").sockets.size === 0, "sockets gone");
    await until(() => h.io.engine.clientsCount === 1, "engine connections gone");

    text = await scrape(`${h.url}/metrics`);
    expect(
      sample(text, "parley_disconnections_total", {
        namespace: "/",
        reason: "client namespace disconnect",
      }),
    ).toBe(1);
    expect(
      sample(text, "parley_disconnections_total", {
        namespace: "/",
        reason: "server namespace disconnect",
      }),
    ).toBe(1);
    expect(
      sample(text, "parley_sockets_connected", { namespace: "/", transport: "websocket" }),
    ).toBe(undefined);
    expect(
      sample(text, "parley_sockets_connected", { namespace: "/chat", transport: "websocket" }),
    ).toBe(1);
    expect(sample(text, "parley_engine_disconnections_total", { reason: "transport close" })).toBe(
      1,
    );
    expect(sample(text, "parley_engine_disconnections_total", { reason: "forced close" })).toBe(1);
  });

  it("leaves other routes to the app and Socket.IO, refuses writes, and comes off with close()", async () => {
    const h = await serve();
    const m = metricsOf(h, { path: "/internal/metrics", prefix: "app_" });
    const text = await scrape(`${h.url}/internal/metrics?x=1`);
    expect(sample(text, "app_connections_total")).toBe(undefined); // no namespace has any yet
    expect(text).toContain("# TYPE app_ack_latency_seconds histogram");
    const post = await fetch(`${h.url}/internal/metrics`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(await post.json()).toMatchObject({ code: "METHOD_NOT_ALLOWED" });
    const other = await fetch(`${h.url}/metrics`);
    expect(await other.text()).toBe("app 404");
    const c = h.client("/", { transports: ["websocket"] });
    await next(c, "connect");
    const conn = [...h.io.engine.clients.values()][0];
    expect(conn?.listenerCount("packet")).toBe(1);

    m.close();
    expect(conn?.listenerCount("packet")).toBe(0);
    expect(conn?.listenerCount("packetCreate")).toBe(0);
    expect(h.io.of("/").adapter.listenerCount("fan-out")).toBe(0);
    expect(m.registry.getMetricsAsArray()).toEqual([]);
    const after = await fetch(`${h.url}/internal/metrics`);
    expect(await after.text()).toBe("app 404");
    // Socket.IO still served, and a new connection gets no metrics listener.
    const c2 = h.client("/", { transports: ["websocket"] });
    await next(c2, "connect");
    for (const each of h.io.engine.clients.values()) expect(each.listenerCount("packet")).toBe(0);
  });

  it("maps many namespaces to few labels with namespaceLabel", async () => {
    const h = await serve();
    metricsOf(h, { namespaceLabel: (name) => (name.startsWith("/room-") ? "/room-*" : "/") });
    h.io.of(/^\/room-\d+$/).on("connection", () => {});
    const a = h.client("/room-1", { transports: ["websocket"] });
    const b = h.client("/room-2", { transports: ["websocket"] });
    const bogus = h.client("/nope", { transports: ["websocket"] });
    await Promise.all([next(a, "connect"), next(b, "connect"), next(bogus, "connect_error")]);
    const text = await scrape(`${h.url}/metrics`);
    expect(sample(text, "parley_connections_total", { namespace: "/room-*" })).toBe(2);
    expect(
      sample(text, "parley_sockets_connected", { namespace: "/room-*", transport: "websocket" }),
    ).toBe(2);
    // The CONNECTs to the dynamic children arrive before the children exist: the label
    // function sees every name, so the two are counted under "/room-*" too.
    expect(sample(text, "parley_packets_received_total", { namespace: "/room-*" })).toBe(2);
    expect(sample(text, "parley_packets_received_total", { namespace: "/" })).toBe(1);
    expect(text).not.toContain('"/nope"');
  });

  it("without a label function, names the server does not have are counted as (other)", async () => {
    const h = await serve();
    metricsOf(h);
    const bogus = h.client("/nope", { transports: ["websocket"] });
    await next(bogus, "connect_error");
    const text = await scrape(`${h.url}/metrics`);
    expect(sample(text, "parley_packets_received_total", { namespace: "(other)" })).toBe(1);
    expect(sample(text, "parley_packets_sent_total", { namespace: "(other)" })).toBe(1);
    expect(text).not.toContain('"/nope"');
  });

  it("counts a slow client's send-buffer overflow and its cut-off", async () => {
    const h = await serve({ maxBufferedBytes: 64 * 1024 });
    metricsOf(h);
    const slow = new WebSocket(`ws://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=websocket`);
    slow.on("error", () => {});
    peers.push(slow);
    const frames: string[] = [];
    slow.on("message", (data) => frames.push(data.toString()));
    await until(() => frames.some((f) => f.startsWith("0{")), "open");
    slow.send("40");
    await until(() => frames.some((f) => f.startsWith("40{")), "CONNECT");
    const reasons: string[] = [];
    for (const s of h.io.of("/").sockets.values()) s.on("disconnect", (r) => reasons.push(r));
    (slow as unknown as { _socket: NetSocket })._socket.pause();
    const payload = "x".repeat(16 * 1024);
    for (let round = 0; round < 5000 && reasons.length === 0; round++) {
      h.io.emit("big", payload);
      await new Promise((r) => setImmediate(r));
    }
    expect(reasons).toEqual(["send buffer overflow"]);
    const text = await scrape(`${h.url}/metrics`);
    expect(sample(text, "parley_slow_client_disconnects_total")).toBe(1);
    expect(sample(text, "parley_send_buffer_overflows_total")).toBe(1);
    expect(
      sample(text, "parley_engine_disconnections_total", { reason: "send buffer overflow" }),
    ).toBe(1);
    expect(
      sample(text, "parley_disconnections_total", {
        namespace: "/",
        reason: "send buffer overflow",
      }),
    ).toBe(1);
  });

  it("counts connection state recovery hits and misses", async () => {
    const h = await serve({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } });
    metricsOf(h);
    let latest: Socket | undefined;
    h.io.on("connection", (s: Socket) => {
      latest = s;
    });
    const c = h.client("/", {
      transports: ["websocket"],
      reconnection: true,
      reconnectionDelay: 20,
      reconnectionDelayMax: 20,
    });
    await next(c, "connect");
    await until(() => latest !== undefined, "server socket");
    const first = latest as Socket;
    const got = next(c, "offset-bearing");
    first.emit("offset-bearing", 1);
    await got;
    c.io.engine?.close();
    await until(() => latest !== first && c.connected, "reconnection");
    expect(c.recovered).toBe(true);
    // A client presenting a session nobody holds.
    const stranger = h.client("/", {
      transports: ["websocket"],
      auth: { pid: "nobody", offset: "0" },
    });
    await next(stranger, "connect");
    const text = await scrape(`${h.url}/metrics`);
    expect(sample(text, "parley_recovery_hits_total", { namespace: "/" })).toBe(1);
    expect(
      sample(text, "parley_recovery_misses_total", { namespace: "/", reason: "session_unknown" }),
    ).toBe(1);
  });
});

describe("attachMetrics in a cluster", () => {
  it("counts adapter requests and the one that timed out", async () => {
    const Bus = quickBus(300);
    const a = await serve({ adapter: Bus });
    const b = await serve({ adapter: Bus });
    metricsOf(a);
    // Server b hears the event and never acknowledges it.
    b.io.on("slow-question", () => {});
    b.io.on("question", (reply: (v: string) => void) => reply("answer"));
    await until(() => (a.io.of("/").adapter as InstanceType<typeof Bus>).peers === 1, "peers");
    await expect(a.io.serverSideEmitWithAck("question")).resolves.toEqual(["answer"]);
    await expect(a.io.serverSideEmitWithAck("slow-question")).rejects.toThrow(/timeout/);
    await a.io.fetchSockets();
    const text = await scrape(`${a.url}/metrics`);
    expect(
      sample(text, "parley_adapter_requests_total", { namespace: "/", type: "server-side-emit" }),
    ).toBe(2);
    expect(
      sample(text, "parley_adapter_requests_total", { namespace: "/", type: "fetch-sockets" }),
    ).toBe(1);
    expect(
      sample(text, "parley_adapter_request_timeouts_total", {
        namespace: "/",
        type: "server-side-emit",
      }),
    ).toBe(1);
    expect(
      sample(text, "parley_adapter_request_timeouts_total", {
        namespace: "/",
        type: "fetch-sockets",
      }),
    ).toBe(undefined);
  });
});
