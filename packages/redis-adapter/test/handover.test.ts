import type { Socket as ServerSocket } from "@parley/server";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { afterEach, expect, it } from "vitest";
import { RoundRobinProxy } from "./cluster/proxy.js";
import {
  describeRedis,
  joinRUnlessRecovered,
  type Node,
  next,
  startCluster,
  uniqueKey,
  waitFor,
} from "./helpers.js";

// No loss at hand-over (issue 14): both servers broadcast a numbered stream to a room while a
// client's connection is dropped again and again, each time coming back through the other
// server (so the session is handed over A → B, then B → A…, towards and away from each
// broadcaster). Every number of both streams must arrive once, in order, with no gap.

const HOPS = 24;

describeRedis.each(["dynamic", "static"] as const)(
  "hand-over under steady broadcast streams (subscriptionMode %s)",
  (subscriptionMode) => {
    let nodes: Node[] = [];
    let proxy: RoundRobinProxy | undefined;
    let client: ClientSocket | undefined;
    const timers: ReturnType<typeof setInterval>[] = [];

    afterEach(async () => {
      for (const t of timers.splice(0)) clearInterval(t);
      client?.disconnect();
      await proxy?.close();
      await Promise.all(nodes.map((n) => n.close()));
    });

    it(`loses nothing and duplicates nothing over ${HOPS} hand-overs in both directions`, async () => {
      nodes = await startCluster(2, {
        key: uniqueKey("handover"),
        adapter: { subscriptionMode },
        server: { connectionStateRecovery: { maxDisconnectionDuration: 30_000 } },
      });
      const [a, b] = nodes as [Node, Node];
      joinRUnlessRecovered(nodes);
      let target = 0;
      proxy = new RoundRobinProxy(nodes.map((n) => Number(new URL(n.url).port)));
      proxy.policy = () => target;
      const url = await proxy.listen();

      const c = ioc(`${url}/`, {
        forceNew: true,
        transports: ["websocket"],
        reconnectionDelay: 5,
        randomizationFactor: 0,
      });
      client = c;
      const got: Record<string, number[]> = { A: [], B: [] };
      c.on("seq", (from: string, n: number) => got[from]?.push(n));
      await next(c, "ready");

      // Each server sends its own numbered stream to the room, every 2 ms.
      const sent = { A: 0, B: 0 };
      timers.push(setInterval(() => a.io.to("r").emit("seq", "A", sent.A++), 2));
      timers.push(setInterval(() => b.io.to("r").emit("seq", "B", sent.B++), 2));
      await waitFor(() => (got.A?.length ?? 0) > 5 && (got.B?.length ?? 0) > 5, "both streams");

      let recovered = 0;
      for (let hop = 0; hop < HOPS; hop++) {
        const from = nodes[target] as Node;
        target = 1 - target;
        const [socket] = [...from.io.of("/").sockets.values()] as [ServerSocket];
        const ready = next<[boolean]>(c, "ready");
        // A network failure: the server's side of the connection goes, no close frame.
        socket.conn.request.socket.destroy();
        const [wasRecovered] = await ready;
        if (wasRecovered) recovered++;
        expect((nodes[target] as Node).io.of("/").sockets.size).toBe(1);
        // Let some of both streams flow on the new server before the next drop.
        const mark = { A: got.A?.length ?? 0, B: got.B?.length ?? 0 };
        await waitFor(
          () => (got.A?.length ?? 0) > mark.A + 3 && (got.B?.length ?? 0) > mark.B + 3,
          "the streams on the new server",
        );
      }
      for (const t of timers.splice(0)) clearInterval(t);
      const last = { A: sent.A - 1, B: sent.B - 1 };
      await waitFor(
        () => got.A?.at(-1) === last.A && got.B?.at(-1) === last.B,
        "the last numbers of both streams",
      );

      expect(recovered).toBe(HOPS);
      for (const from of ["A", "B"] as const) {
        const seen = got[from] as number[];
        const first = seen[0] as number;
        // Contiguous from the first number received to the last sent: no gap, no repeat.
        const expected = Array.from({ length: last[from] - first + 1 }, (_, i) => first + i);
        expect(seen).toEqual(expected);
      }
    });
  },
);
