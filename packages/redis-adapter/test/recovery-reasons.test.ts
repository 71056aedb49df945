import type { Socket as ServerSocket } from "@parley/server";
import { io as officialClient } from "socket.io-client";
import { afterEach, beforeEach, expect, it } from "vitest";
import { RoundRobinProxy } from "./cluster/proxy.js";
import { describeRedis, type Node, next, startCluster, uniqueKey, waitFor } from "./helpers.js";

// When history is gone, say so (issue 14): a client whose session cannot be recovered is
// told why in the CONNECT packet's data (`recoveryFailure`), which the Parley client exposes
// and official clients ignore.

interface AnyClient {
  id: string | undefined;
  connected: boolean;
  recovered: boolean;
  recoveryFailure?: string | undefined;
  once(event: string, fn: (...args: never[]) => void): unknown;
  connect(): unknown;
  disconnect(): unknown;
}
type MakeClient = (url: string, opts: Record<string, unknown>) => AnyClient;

// Through a specifier tsc does not follow: the client's sources need the DOM lib.
const PARLEY_CLIENT = "@parley/client";
const { io: parleyClient } = (await import(PARLEY_CLIENT)) as { io: MakeClient };

describeRedis("recovery failures reach the client with a reason", () => {
  let nodes: Node[] = [];
  let a: Node;
  let b: Node;
  let proxy: RoundRobinProxy;
  let url: string;
  let target = 0;
  const clients: AnyClient[] = [];

  beforeEach(async () => {
    nodes = await startCluster(2, {
      key: uniqueKey("reasons"),
      // A store of 3 packets: a client away for more than that cannot know what it missed.
      server: { connectionStateRecovery: { maxDisconnectionDuration: 30_000, maxPackets: 3 } },
    });
    [a, b] = nodes as [Node, Node];
    for (const node of nodes) {
      node.io.on("connection", async (socket) => {
        if (!socket.recovered) await socket.join("r");
        socket.emit("ready");
      });
    }
    target = 0;
    proxy = new RoundRobinProxy(nodes.map((n) => Number(new URL(n.url).port)));
    proxy.policy = () => target;
    url = await proxy.listen();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await proxy.close();
    await Promise.all(nodes.map((n) => n.close()));
  });

  async function join(make: MakeClient, auth: Record<string, string> = {}): Promise<AnyClient> {
    const client = make(`${url}/`, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
      autoConnect: false,
      auth,
    });
    clients.push(client);
    const ready = next(client, "ready");
    client.connect();
    await ready;
    return client;
  }

  /** A client on A with an offset, dropped by A; `meanwhile` runs before it comes back via B. */
  async function awayAndBack(make: MakeClient, meanwhile: () => void): Promise<AnyClient> {
    const client = await join(make);
    const got = next(client, "news");
    a.io.to("r").emit("news", 0);
    await got;
    const [socket] = [...a.io.of("/").sockets.values()] as [ServerSocket];
    const gone = next(socket, "disconnect");
    socket.conn.request.socket.destroy();
    await gone;
    await waitFor(() => !client.connected, "the client to notice");
    meanwhile();
    target = 1;
    const ready = next(client, "ready");
    client.connect();
    await ready;
    return client;
  }

  it("history evicted: recovered is false and the Parley client reads history_evicted", async () => {
    const client = await awayAndBack(parleyClient, () => {
      for (let i = 1; i <= 5; i++) a.io.to("r").emit("news", i);
    });
    expect(client.recovered).toBe(false);
    expect(client.recoveryFailure).toBe("history_evicted");
  });

  it("a recovered session carries no reason", async () => {
    const client = await awayAndBack(parleyClient, () => a.io.to("r").emit("news", 1));
    expect(client.recovered).toBe(true);
    expect(client.recoveryFailure).toBeUndefined();
  });

  it("an unknown session is reported as session_unknown", async () => {
    target = 1;
    const client = await join(parleyClient, { pid: "nobody", offset: "x.0" });
    expect(client.recovered).toBe(false);
    expect(client.recoveryFailure).toBe("session_unknown");
  });

  it("official clients ignore the reason and connect as usual", async () => {
    const client = await awayAndBack(officialClient as unknown as MakeClient, () => {
      for (let i = 1; i <= 5; i++) a.io.to("r").emit("news", i);
    });
    expect(client.recovered).toBe(false);
    expect(client.connected).toBe(true);
    expect(b.io.of("/").sockets.size).toBe(1);
  });
});
