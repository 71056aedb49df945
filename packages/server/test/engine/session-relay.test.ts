import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { EngineConnectionError, SessionRelay } from "../../src/engine/index.js";
import { runCleanups, startEngine } from "./helpers.js";

afterEach(runCleanups);

/** A relay that takes sids starting with "far" and answers them itself. */
class TestRelay implements SessionRelay {
  readonly asked: string[] = [];
  throws = false;
  relayRequest(_req: IncomingMessage, res: ServerResponse, sid: string): boolean {
    this.asked.push(`request ${sid}`);
    if (this.throws) throw new Error("relay failed");
    if (!sid.startsWith("far")) return false;
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end("relayed");
    return true;
  }
  relayUpgrade(_req: IncomingMessage, socket: Duplex, _head: Buffer, sid: string): boolean {
    this.asked.push(`upgrade ${sid}`);
    if (!sid.startsWith("far")) return false;
    socket.end("HTTP/1.1 418 I'm a teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return true;
  }
}

function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("error", () => {});
  });
}

describe("engine: session relay seam", () => {
  it("hands requests naming an unknown sid to the relay, and only those", async () => {
    const h = await startEngine();
    const relay = new TestRelay();
    h.engine.setSessionRelay(relay);
    const res = await fetch(h.url("transport=polling&sid=farAway"));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("relayed");
    // Handshakes and known sessions never reach it.
    const open = await fetch(h.url("transport=polling"));
    const sid = (JSON.parse((await open.text()).slice(1)) as { sid: string }).sid;
    const post = await fetch(h.url(`transport=polling&sid=${sid}`), { method: "POST", body: "2" });
    expect(await post.text()).toBe("ok");
    // Refusals other than an unknown sid never reach it either.
    expect((await fetch(h.url("transport=carrier-pigeon&sid=farAway"))).status).toBe(400);
    expect(relay.asked).toEqual(["request farAway"]);
    expect(await upgradeStatus(h.wsUrl("transport=websocket&sid=farAway"))).toBe(418);
    expect(relay.asked).toEqual(["request farAway", "upgrade farAway"]);
  });

  it("a relay that declines (or throws) leaves the usual 400 and connection_error", async () => {
    const h = await startEngine();
    const relay = new TestRelay();
    h.engine.setSessionRelay(relay);
    const errors: EngineConnectionError[] = [];
    h.engine.on("connection_error", (e) => errors.push(e));
    const reported: unknown[] = [];
    h.engine.on("error", (e) => reported.push(e));
    const declined = await fetch(h.url("transport=polling&sid=nearby"));
    expect(declined.status).toBe(400);
    expect(await declined.json()).toEqual({ code: 1, message: "Session ID unknown" });
    expect(await upgradeStatus(h.wsUrl("transport=websocket&sid=nearby"))).toBe(400);
    relay.throws = true;
    const failed = await fetch(h.url("transport=polling&sid=farAway"));
    expect(failed.status).toBe(400);
    expect(reported).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual([1, 1, 1]);
    h.engine.setSessionRelay(null);
    relay.throws = false;
    expect((await fetch(h.url("transport=polling&sid=farAway"))).status).toBe(400);
    expect(relay.asked).toHaveLength(3);
  });
});
