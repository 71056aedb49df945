import { Socket as EioSocket } from "engine.io-client";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { once, pollingHandshake, runCleanups, startEngine } from "./helpers.js";

afterEach(runCleanups);

describe("smoke", () => {
  it("polling handshake", async () => {
    const h = await startEngine();
    const open = await pollingHandshake(h);
    expect(Object.keys(open).sort()).toEqual([
      "maxPayload",
      "pingInterval",
      "pingTimeout",
      "sid",
      "upgrades",
    ]);
  });

  it("websocket echo", async () => {
    const h = await startEngine();
    h.engine.on("connection", (s) => s.on("message", (d) => s.send(d)));
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const first = await once<Buffer>(ws, "message");
    expect(first.toString()[0]).toBe("0");
    ws.send("4hello");
    const echo = await once<Buffer>(ws, "message");
    expect(echo.toString()).toBe("4hello");
    ws.close();
  });

  for (const transports of [["websocket"], ["polling"], ["polling", "websocket"]] as const) {
    it(`engine.io-client ${transports.join("+")}`, async () => {
      const h = await startEngine();
      h.engine.on("connection", (s) => s.on("message", (d) => s.send(d)));
      const client = new EioSocket(`http://127.0.0.1:${h.port}`, {
        path: "/socket.io/",
        transports: [...transports],
      });
      await once(client, "open");
      if (transports.length === 2) await once(client, "upgrade");
      client.send("hi");
      const msg = await once(client, "message");
      expect(msg).toBe("hi");
      client.close();
    });
  }
});
