import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Engine, type EngineConnectionError } from "../../src/engine/index.js";
import {
  collect,
  nextConnection,
  once,
  pollingHandshake,
  pollingSession,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

// Behaviour engine.io users (and engine.io's own tests) rely on: answers, close reasons and
// options as engine.io has them.

afterEach(runCleanups);

describe("closing as engine.io does", () => {
  it("a client's close packet answers the pending GET with a noop, then ends the session", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const closed = once<string>(conn, "close");
    const url = h.url(`transport=polling&sid=${sid}`);
    const pending = fetch(url);
    // The close must find the GET waiting on the server (a GET is what makes it writable).
    await until(() => conn.writable);
    await fetch(url, { method: "POST", body: "1" });
    const poll = await pending;
    expect(poll.status).toBe(200);
    expect(await poll.text()).toBe("6");
    expect(await closed).toBe("transport close");
    expect((await fetch(url)).status).toBe(400);
  });

  it("a closing polling session whose client stopped polling ends with 'ping timeout'", async () => {
    const h = await startEngine({ pingInterval: 40, pingTimeout: 60 });
    const { conn } = await pollingSession(h);
    const closed = once<string>(conn, "close");
    conn.close();
    expect(conn.readyState).toBe("closing");
    expect(await closed).toBe("ping timeout");
  });

  it("a closing polling session answers what was queued, then `6␞1` on the GET after", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const closed = once<string>(conn, "close");
    conn.send("last");
    conn.close();
    const poll = async () => (await fetch(h.url(`transport=polling&sid=${sid}`))).text();
    expect(await poll()).toBe("4last");
    expect(conn.readyState).toBe("closing");
    expect(await poll()).toBe("6\x1e1");
    expect(await closed).toBe("forced close");
  });

  it("a malformed packet ends only its own session, with 'parse error'", async () => {
    const h = await startEngine();
    const bystander = await pollingSession(h);
    const polling = await pollingSession(h);
    const pollingClosed = once<string>(polling.conn, "close");
    const res = await fetch(h.url(`transport=polling&sid=${polling.sid}`), {
      method: "POST",
      body: "abc",
    });
    expect(res.status).toBe(400);
    expect(await pollingClosed).toBe("parse error");

    const conn = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const wsConn = await conn;
    const wsClosed = once<string>(wsConn, "close");
    await once(ws, "open");
    ws.send("abc");
    expect(await wsClosed).toBe("parse error");
    await once(ws, "close");
    expect(bystander.conn.readyState).toBe("open");
    expect(h.engine.clientsCount).toBe(1);
  });
});

describe("close descriptions as engine.io words them", () => {
  it("a polling GET whose connection drops: 'poll connection closed prematurely'", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const closed = new Promise<[string, Error | undefined]>((resolve) =>
      conn.once("close", (reason, description) => resolve([reason, description])),
    );
    const req = request(h.url(`transport=polling&sid=${sid}`));
    req.on("error", () => {});
    req.end();
    await until(() => conn.writable);
    req.destroy();
    const [reason, description] = await closed;
    expect(reason).toBe("transport error");
    expect(description?.message).toBe("poll connection closed prematurely");
  });
});

describe("options as engine.io has them", () => {
  it("initialPacket is sent right after the open packet (polling and websocket, text and binary)", async () => {
    const h = await startEngine({ initialPacket: "hello" });
    const res = await fetch(h.url("transport=polling"));
    const [open, initial] = (await res.text()).split("\x1e");
    expect(open?.startsWith("0{")).toBe(true);
    expect(initial).toBe("4hello");

    const b = await startEngine({ initialPacket: Int8Array.from([1, -1]) });
    const ws = new WebSocket(b.wsUrl("transport=websocket"));
    const frames = collect<Buffer>(ws, "message");
    await until(() => frames.length === 2);
    expect(frames[0]?.toString().startsWith("0{")).toBe(true);
    expect([...(frames[1] as Buffer)]).toEqual([1, 255]);
    ws.close();
  });

  it("cors.headers and cors.optionsSuccessStatus shape the preflight", async () => {
    const h = await startEngine({
      cors: {
        origin: "https://app.example",
        headers: ["x-token", "x-other"],
        optionsSuccessStatus: 200,
      },
    });
    const res = await fetch(h.url("transport=polling"), {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-token",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-headers")).toBe("x-token,x-other");
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });

  it("cors may be the cors package's per-request delegate", async () => {
    const h = await startEngine({
      cors: (req, cb) =>
        cb(null, { origin: req.headers["x-tenant"] === "a" ? "https://a.example" : false }),
    });
    const ok = await fetch(h.url("transport=polling"), {
      headers: { Origin: "https://a.example", "x-tenant": "a" },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://a.example");
    const refused = await fetch(h.url("transport=polling"), {
      headers: { Origin: "https://a.example", "x-tenant": "b" },
    });
    expect(refused.status).toBe(403);
  });

  it("cookie: path false leaves Path out; expires, priority and partitioned are written", async () => {
    const h = await startEngine({ cookie: { name: "sid", path: false, sameSite: "Strict" } });
    const res = await fetch(h.url("transport=polling"));
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^sid=[\w-]+; HttpOnly; SameSite=Strict$/);

    const expires = new Date(Date.UTC(2030, 0, 1));
    const h2 = await startEngine({
      cookie: { expires, priority: "high", partitioned: true, secure: true, httpOnly: false },
    });
    const cookie2 = (await fetch(h2.url("transport=polling"))).headers.get("set-cookie") ?? "";
    expect(cookie2).toBe(
      `io=${/^io=([^;]+)/.exec(cookie2)?.[1]}; Path=/; Expires=${expires.toUTCString()}; Secure; Partitioned; Priority=High; SameSite=Lax`,
    );
  });

  it("connection_error reports the protocol as a number, as engine.io", async () => {
    const h = await startEngine();
    const errors = collect<EngineConnectionError>(h.engine, "connection_error");
    const res = await fetch(`http://127.0.0.1:${h.port}/socket.io/?EIO=3&transport=polling`);
    expect(res.status).toBe(400);
    expect(errors[0]?.context.protocol).toBe(3);
    const { sid } = await pollingHandshake(h);
    await fetch(`http://127.0.0.1:${h.port}/socket.io/?EIO=3&transport=polling&sid=${sid}`);
    expect(errors[1]?.context.protocol).toBe(3);
  });

  it("options Parley does not support throw at construction, naming the alternative", async () => {
    class OtherWsServer {}
    expect(
      () =>
        new Engine({ wsEngine: OtherWsServer as unknown as typeof import("ws").WebSocketServer }),
    ).toThrow(/wsEngine is not supported.*ws/);
    const { WebSocketServer } = await import("ws");
    expect(() => new Engine({ wsEngine: WebSocketServer })).not.toThrow();
    expect(() => new Engine({ transports: ["polling", "webtransport" as "websocket"] })).toThrow(
      /webtransport.*not supported.*use "polling" and\/or "websocket"/,
    );
    expect(() => new Engine({ cors: { preflightContinue: true } })).toThrow(
      /preflightContinue is not supported/,
    );
  });

  it("httpCompression passes zlib options through", async () => {
    const body = "x".repeat(5000);
    const sizes: number[] = [];
    for (const level of [0, 9]) {
      const h = await startEngine({ httpCompression: { threshold: 10, level } });
      const { sid, conn } = await pollingSession(h);
      conn.send(body);
      const res = await fetch(h.url(`transport=polling&sid=${sid}`), {
        headers: { "Accept-Encoding": "gzip" },
      });
      expect(res.headers.get("content-encoding")).toBe("gzip");
      expect(await res.text()).toBe(`4${body}`);
      sizes.push(Number(res.headers.get("content-length")));
    }
    // Level 0 stores, level 9 compresses: zlib got the option.
    expect(sizes[0]).toBeGreaterThan(5000);
    expect(sizes[1]).toBeLessThan(500);
  });
});
