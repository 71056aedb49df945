import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { EngineConnection } from "../../src/engine/index.js";
import { nextConnection, once, pollingHandshake, runCleanups, startEngine } from "./helpers.js";

afterEach(runCleanups);

describe("handshake", () => {
  it("polling: the open packet has exactly the v4 keys and the configured values", async () => {
    const h = await startEngine({ pingInterval: 300, pingTimeout: 200, maxHttpBufferSize: 5000 });
    const res = await fetch(h.url("transport=polling"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=UTF-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.text();
    expect(body[0]).toBe("0");
    const open = JSON.parse(body.slice(1));
    expect(Object.keys(open).sort()).toEqual([
      "maxPayload",
      "pingInterval",
      "pingTimeout",
      "sid",
      "upgrades",
    ]);
    expect(open).toMatchObject({
      upgrades: ["websocket"],
      pingInterval: 300,
      pingTimeout: 200,
      maxPayload: 5000,
    });
    expect(open.sid).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(h.engine.clientsCount).toBe(1);
    expect(h.engine.clients.get(open.sid)?.transport.name).toBe("polling");
  });

  it("session ids are random and distinct", async () => {
    const h = await startEngine();
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await pollingHandshake(h)).sid);
    expect(ids.size).toBe(20);
  });

  it("defaults: pingInterval 25000, pingTimeout 20000, maxPayload 1e6", async () => {
    const h = await startEngine();
    const open = await pollingHandshake(h);
    expect(open).toMatchObject({ pingInterval: 25000, pingTimeout: 20000, maxPayload: 1e6 });
  });

  it("no upgrades offered when websocket is disabled or upgrades are off", async () => {
    const a = await startEngine({ transports: ["polling"] });
    expect((await pollingHandshake(a)).upgrades).toEqual([]);
    const b = await startEngine({ allowUpgrades: false });
    expect((await pollingHandshake(b)).upgrades).toEqual([]);
  });

  it("websocket: the first frame is the open packet, with no upgrades", async () => {
    const h = await startEngine();
    const conn = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const first = (await once<Buffer>(ws, "message")).toString();
    expect(first[0]).toBe("0");
    const open = JSON.parse(first.slice(1));
    expect(Object.keys(open).sort()).toEqual([
      "maxPayload",
      "pingInterval",
      "pingTimeout",
      "sid",
      "upgrades",
    ]);
    expect(open.upgrades).toEqual([]);
    const c = await conn;
    expect(c.id).toBe(open.sid);
    expect(c.transport.name).toBe("websocket");
    expect(c.protocol).toBe(4);
    expect(c.readyState).toBe("open");
    expect(c.remoteAddress).toMatch(/127\.0\.0\.1/);
    expect(c.request.url).toContain("transport=websocket");
    ws.close();
  });

  it("emits connection with a usable EngineConnection and tracks clients", async () => {
    const h = await startEngine();
    const seen: EngineConnection[] = [];
    h.engine.on("connection", (c) => seen.push(c));
    const { sid } = await pollingHandshake(h);
    expect(seen.map((c) => c.id)).toEqual([sid]);
    const closed = once(seen[0] as EngineConnection, "close");
    h.engine.close();
    // engine.io's reason for engine.close(): "forced close".
    expect(await closed).toBe("forced close");
    expect(h.engine.clientsCount).toBe(0);
  });

  it("cookie option sets io=<sid> on the handshake only", async () => {
    const h = await startEngine({ cookie: true });
    const res = await fetch(h.url("transport=polling"));
    const sid = JSON.parse((await res.text()).slice(1)).sid;
    expect(res.headers.get("set-cookie")).toBe(`io=${sid}; Path=/; HttpOnly; SameSite=Lax`);
    const poll = fetch(h.url(`transport=polling&sid=${sid}`));
    h.engine.clients.get(sid)?.send("x");
    const res2 = await poll;
    expect(await res2.text()).toBe("4x");
    expect(res2.headers.get("set-cookie")).toBeNull();
  });

  it("cookie options are honoured; no io cookie on a WebSocket handshake (as engine.io)", async () => {
    const h = await startEngine({
      cookie: { name: "sess", path: "/app", sameSite: "strict", secure: true },
    });
    const res = await fetch(h.url("transport=polling"));
    const sid = JSON.parse((await res.text()).slice(1)).sid;
    expect(res.headers.getSetCookie()).toEqual([
      `sess=${sid}; Path=/app; HttpOnly; Secure; SameSite=Strict`,
    ]);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const upgrade = await once<import("node:http").IncomingMessage>(ws, "upgrade");
    expect(upgrade.headers["set-cookie"]).toBeUndefined();
    ws.close();
  });

  it("initial_headers and headers hooks add headers", async () => {
    const h = await startEngine();
    h.engine.on("initial_headers", (headers) => {
      headers["X-Initial"] = "1";
    });
    h.engine.on("headers", (headers) => {
      headers["X-Every"] = "yes";
    });
    const res = await fetch(h.url("transport=polling"));
    const sid = JSON.parse((await res.text()).slice(1)).sid;
    expect(res.headers.get("x-initial")).toBe("1");
    expect(res.headers.get("x-every")).toBe("yes");
    const post = await fetch(h.url(`transport=polling&sid=${sid}`), { method: "POST", body: "4a" });
    expect(post.headers.get("x-initial")).toBeNull();
    expect(post.headers.get("x-every")).toBe("yes");
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const up = await once<import("node:http").IncomingMessage>(ws, "upgrade");
    expect(up.headers["x-initial"]).toBe("1");
    expect(up.headers["x-every"]).toBe("yes");
    ws.close();
  });

  it("a set-cookie added in initial_headers goes out next to the io cookie (polling) or alone (WebSocket)", async () => {
    const h = await startEngine({ cookie: true });
    h.engine.on("initial_headers", (headers) => {
      headers["set-cookie"] = "mycookie=456";
    });
    const res = await fetch(h.url("transport=polling"));
    const sid = JSON.parse((await res.text()).slice(1)).sid;
    expect(res.headers.getSetCookie()).toEqual([
      `io=${sid}; Path=/; HttpOnly; SameSite=Lax`,
      "mycookie=456",
    ]);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const up = await once<import("node:http").IncomingMessage>(ws, "upgrade");
    expect(up.headers["set-cookie"]).toEqual(["mycookie=456"]);
    ws.close();
  });

  it("generateId can be overridden, sync or async", async () => {
    const h = await startEngine();
    let n = 0;
    h.engine.generateId = () => `custom-id-${++n}-aaaaaaaaaaaa`;
    expect((await pollingHandshake(h)).sid).toBe("custom-id-1-aaaaaaaaaaaa");
    h.engine.generateId = async () => "async-id-bbbbbbbbbbbbbbbb";
    expect((await pollingHandshake(h)).sid).toBe("async-id-bbbbbbbbbbbbbbbb");
    // A duplicate id is refused rather than overwriting the live session.
    const res = await fetch(h.url("transport=polling"));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 3, message: "Bad request" });
    h.engine.generateId = () => {
      throw new Error("no ids today");
    };
    const res2 = await fetch(h.url("transport=polling"));
    expect(res2.status).toBe(400);
    expect(h.engine.clientsCount).toBe(2);
  });

  it("a custom path is honoured", async () => {
    const h = await startEngine({ path: "/rt" });
    const res = await fetch(`http://127.0.0.1:${h.port}/rt/?EIO=4&transport=polling`);
    expect(res.status).toBe(200);
    const other = await fetch(`http://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=polling`);
    expect(await other.text()).toBe("app route");
  });
});
