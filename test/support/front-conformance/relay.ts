// Front conformance: the Redis session relay (@parley/redis-adapter): two servers of the same
// front on one Redis, a session opened on one and carried on through the other, as behind a
// round-robin balancer.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { frame, get, getPackets, handshake, openWs, post } from "../front-protocol.js";
import type { FrontServer, StartFront, TestFn } from "./shared.js";

export function relayCases(title: string, start: StartFront, test: TestFn): void {
  describe(title, () => {
    const servers: FrontServer[] = [];
    const server = (i: 0 | 1): FrontServer => {
      const s = servers[i];
      if (s === undefined) throw new Error(`${title}: server ${i} did not start`);
      return s;
    };

    beforeAll(async () => {
      // A key of its own: other tests' servers on the same Redis stay apart.
      const relay = { key: `parley-fronts-${randomUUID()}` };
      for (let i = 0; i < 2; i++) servers.push(await start({ options: {}, relay }));
    });
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.close()));
    });

    test("session relay: a session opened on one server carries on through the other", async () => {
      for (const s of servers) {
        expect(s.events().filter((e) => e.type === "relay_error")).toEqual([]);
      }
      const [a, b] = [server(0).url, server(1).url];
      const { open } = await handshake(a);
      // Polling through B: the CONNECT and its answer, an ack.
      expect(await post(b, open.sid, "40")).toEqual({ status: 200, body: "ok" });
      expect((await getPackets(b, open.sid, 1))[0]).toMatch(/^40\{"sid":"/);
      expect(await post(b, open.sid, '420["echo","via b"]')).toEqual({ status: 200, body: "ok" });
      expect(await getPackets(b, open.sid, 1)).toEqual(['430["via b"]']);
      // The upgrade through B.
      const pending = get(a, open.sid);
      const c = await openWs(b, `transport=websocket&sid=${open.sid}`);
      c.ws.send("2probe");
      expect((await frame(c, 0)).data).toBe("3probe");
      expect(await pending).toEqual({ status: 200, body: "6" });
      c.ws.send("5");
      c.ws.send('421["transport"]');
      expect((await frame(c, 1)).data).toBe('431["websocket"]');
      c.ws.close();
    });
  });
}
