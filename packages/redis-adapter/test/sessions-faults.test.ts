import { request as httpRequest } from "node:http";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterEach, expect, it } from "vitest";
import { WebSocket } from "ws";
import { attachSessionRelay } from "../src/index.js";
import { encodeTunnel, Kind, nodeChannel, sessionChannel } from "../src/sessions/wire.js";
import { RoundRobinProxy } from "./cluster/proxy.js";
import { ownerIndex, type RelayNode, startRelayCluster } from "./cluster/relay-nodes.js";
import {
  describeRedis,
  type Redis,
  redisClient,
  sleep,
  slowSubscriber,
  startNode,
  uniqueKey,
  waitFor,
} from "./helpers.js";

let nodes: RelayNode[] = [];
let proxy: RoundRobinProxy | null = null;
const clients: ClientSocket[] = [];
const redis: Redis[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await proxy?.close();
  proxy = null;
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
  for (const r of redis.splice(0)) r.destroy();
});

/** Routes every request and upgrade naming a session away from the session's owner. */
function neverTheOwner(kind: "request" | "upgrade", req: { url?: string | undefined }) {
  void kind;
  const sid = new URL(req.url ?? "/", "http://x").searchParams.get("sid");
  if (sid === null) return undefined;
  const owner = ownerIndex(nodes, sid);
  return owner === -1 ? undefined : (owner + 1) % nodes.length;
}

async function startProxy(): Promise<string> {
  proxy = new RoundRobinProxy(nodes.map((n) => n.port));
  proxy.policy = neverTheOwner;
  return proxy.listen();
}

function sidOf(socket: ClientSocket): string {
  return (socket.io.engine as unknown as { id: string }).id;
}

function connectClient(url: string, opts: Parameters<typeof ioc>[1]): Promise<ClientSocket> {
  const socket = ioc(url, { forceNew: true, ...opts });
  clients.push(socket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

/** A polling handshake straight to `url`: the new session's id. */
async function handshake(url: string): Promise<string> {
  const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
  const body = await res.text();
  return (JSON.parse(body.slice(1)) as { sid: string }).sid;
}

const UNKNOWN_SID = { code: 1, message: "Session ID unknown" };

describeRedis("session relay: owners dying, bad input", () => {
  for (const transport of ["polling", "websocket"] as const) {
    it(`the owner dies under a ${transport} client: it reconnects to a live node`, async () => {
      nodes = await startRelayCluster(2, uniqueKey("relay-kill"));
      const url = await startProxy();
      const socket = await connectClient(url, {
        transports: transport === "polling" ? ["polling"] : ["polling", "websocket"],
        reconnectionDelay: 50,
        reconnectionDelayMax: 100,
      });
      if (transport === "websocket") {
        await waitFor(() => socket.io.engine.transport.name === "websocket", "the upgrade");
      }
      expect(await socket.timeout(3000).emitWithAck("echo", 1)).toBe(1);
      const first = sidOf(socket);
      const owner = ownerIndex(nodes, first);
      const edge = nodes[1 - owner] as RelayNode;
      const reasons: string[] = [];
      socket.on("disconnect", (reason) => reasons.push(reason));
      const reconnected = new Promise<void>((r) => socket.once("connect", () => r()));
      await nodes[owner]?.kill();

      // A safety net, not a measurement: the edge answers within its heartbeat timeout.
      await Promise.race([
        reconnected,
        new Promise((_, reject) => setTimeout(() => reject(new Error("no reconnect")), 8000)),
      ]);
      expect(reasons.length).toBe(1);
      expect(ownerIndex(nodes, sidOf(socket))).toBe(1 - owner);
      expect(await socket.timeout(3000).emitWithAck("echo", 2)).toBe(2);
      expect(edge.log.some((line) => line.includes("is gone"))).toBe(true);
    });
  }

  it("an unknown sid naming a node that does not exist: 400 JSON, over polling and upgrade", async () => {
    nodes = await startRelayCluster(2, uniqueKey("relay-unknown"));
    const [a] = nodes as [RelayNode, RelayNode];
    const foreign = `Zz-_9xQw${"A".repeat(20)}`;
    for (const method of ["GET", "POST"]) {
      const res = await fetch(`${a.url}/socket.io/?EIO=4&transport=polling&sid=${foreign}`, {
        method,
        ...(method === "POST" ? { body: "40" } : {}),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(UNKNOWN_SID);
    }
    expect(a.relay.stats.refused).toBe(2);
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(
        `${a.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=${foreign}`,
      );
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("error", () => {});
    });
    expect(status).toBe(400);
    expect(a.relay.stats.requestsOut + a.relay.stats.upgradesOut).toBe(0);
  });

  it("a live node's prefix but no such session there: the owner's 400 comes back", async () => {
    nodes = await startRelayCluster(2, uniqueKey("relay-stale"));
    const [a, b] = nodes as [RelayNode, RelayNode];
    const stale = `${b.relay.nodeId}${"B".repeat(20)}`;
    const res = await fetch(`${a.url}/socket.io/?EIO=4&transport=polling&sid=${stale}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(UNKNOWN_SID);
    expect(a.relay.stats.requestsOut).toBe(1);
    expect(b.relay.stats.tunnelsIn).toBe(1);
    // The owner never relays a relayed request onwards.
    expect(b.relay.stats.requestsOut).toBe(0);
  });

  it("an oversized relayed POST gets 413 at the edge, declared or streamed", async () => {
    nodes = await startRelayCluster(2, uniqueKey("relay-413"), { maxHttpBufferSize: 1000 });
    const [a, b] = nodes as [RelayNode, RelayNode];
    const sid = await handshake(a.url);
    const path = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    const declared = await fetch(`${b.url}${path}`, { method: "POST", body: "4".repeat(1001) });
    expect(declared.status).toBe(413);
    expect(a.relay.stats.tunnelsIn).toBe(0);
    // A POST within the limit still goes through to the owner.
    const ok = await fetch(`${b.url}${path}`, { method: "POST", body: "3" });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("ok");
    // Chunked: no length up front; the edge counts and stops at the limit.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${b.url}${path}`, {
        method: "POST",
        headers: { "Content-Type": "text/plain;charset=UTF-8", "Transfer-Encoding": "chunked" },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.write("4".repeat(600));
      setTimeout(() => req.end("4".repeat(600)), 50);
    });
    expect(streamed).toBe(413);
    expect(b.relay.stats.requestsOut).toBe(3);
    // The owner saw a POST cut short, and ended the session as it would for a local one.
    const engine = a.io.engine as unknown as { clients: Map<string, unknown> };
    await waitFor(() => !engine.clients.has(sid), "the owner to end the session");
  });

  it("garbage on the relay's channels is ignored with a log line; the relay keeps working", async () => {
    const key = uniqueKey("relay-garbage");
    nodes = await startRelayCluster(2, key);
    const [a, b] = nodes as [RelayNode, RelayNode];
    const pub = await redisClient();
    redis.push(pub);
    const garbage = [
      Buffer.from("hello"),
      Buffer.from('{"type":"broadcast"}'),
      Buffer.from([0x50, 1, 99, ...Buffer.from("AAAAAAAA")]),
      Buffer.from([0x50, 9, 2, ...Buffer.from("AAAAAAAA")]),
      Buffer.from([0x50, 1, 17, ...Buffer.from("AAAAAAAA")]),
      Buffer.alloc(0),
    ];
    for (const channel of [sessionChannel(key), nodeChannel(key, a.relay.nodeId)]) {
      for (const message of garbage) {
        // The relay is on sharded or classic Pub/Sub depending on the Redis version: send both.
        await pub.publish(channel, message);
        await pub.sPublish(channel, message).catch(() => {});
      }
    }
    await waitFor(() => a.relay.stats.ignored === 2 * garbage.length, "the garbage to be seen");
    expect(a.log.filter((l) => l.includes("malformed")).length).toBe(2 * garbage.length);
    // Bytes for a tunnel nobody has: the relay tells the sender to drop it.
    const fake = "fakeNode";
    const sub = pub.duplicate();
    sub.on("error", () => {});
    await sub.connect();
    redis.push(sub);
    const resets: Buffer[] = [];
    const onReset = (m: Buffer) => resets.push(m);
    await sub.subscribe(nodeChannel(key, fake), onReset, true);
    await sub.sSubscribe(nodeChannel(key, fake), onReset, true).catch(() => {});
    const stray = encodeTunnel(Kind.DATA, fake, true, 42, Buffer.from("stray"));
    await pub.publish(nodeChannel(key, a.relay.nodeId), stray);
    await pub.sPublish(nodeChannel(key, a.relay.nodeId), stray).catch(() => {});
    await waitFor(() => resets.length > 0, "a RESET for the stray tunnel");
    expect(resets[0]?.[2]).toBe(Kind.RESET);
    // And relaying still works.
    const sid = await handshake(b.url);
    const res = await fetch(`${a.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: "POST",
      body: "40",
    });
    expect(await res.text()).toBe("ok");
    expect(b.relay.stats.tunnelsIn).toBe(1);
  });

  it("a relay tells the cluster it is alive only once it hears its own channel", async () => {
    const key = uniqueKey("relay-startup");
    nodes = await startRelayCluster(1, key);
    const [a] = nodes as [RelayNode];
    const b = await startNode({ key });
    // A slow link: the subscription to B's own node channel is confirmed 400 ms late.
    const slowSub = slowSubscriber(
      b.sub,
      400,
      (c) => c.includes("#session#") && !c.endsWith("#session#"),
    );
    const relay = attachSessionRelay(b.io, {
      pubClient: b.pub,
      subClient: slowSub,
      key,
      heartbeatInterval: 50,
      heartbeatTimeout: 400,
    });
    let ready = false;
    let seenEarly = false;
    void relay.ready.then(() => (ready = true));
    // Until then, A would relay B's sessions' requests to a channel B does not hear yet.
    while (!ready) {
      if (a.relay.liveNodes().includes(relay.nodeId)) seenEarly = true;
      await sleep(10);
    }
    expect(seenEarly).toBe(false);
    await waitFor(() => a.relay.liveNodes().includes(relay.nodeId), "A to see B");
    await relay.close();
    await b.close();
  });

  it("one relay per engine; closing it restores plain session ids", async () => {
    nodes = await startRelayCluster(1, uniqueKey("relay-once"));
    const [a] = nodes as [RelayNode];
    expect(() => attachSessionRelay(a.io, { pubClient: a.pub, subClient: a.sub })).toThrow(
      /already has a session relay/,
    );
    expect(await handshake(a.url)).toMatch(new RegExp(`^${a.relay.nodeId}.{20}$`));
    await a.relay.close();
    expect((await handshake(a.url)).length).toBe(20);
    expect(() =>
      attachSessionRelay(
        // A Server never attached to an HTTP server has no engine yet.
        { engine: undefined, httpServer: undefined } as unknown as Parameters<
          typeof attachSessionRelay
        >[0],
        { pubClient: a.pub, subClient: a.sub },
      ),
    ).toThrow(TypeError);
  });
});
