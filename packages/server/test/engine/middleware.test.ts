import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { EngineConnectionError, EngineMiddleware } from "../../src/engine/index.js";
import {
  collect,
  type Harness,
  nextConnection,
  once,
  openProbe,
  pollingSession,
  rawUpgrade,
  runCleanups,
  startEngine,
  until,
  upgradeBody,
} from "./helpers.js";

afterEach(runCleanups);

type Seen = { name: string; transport: string | undefined; sid: string | undefined };
type WithQuery = IncomingMessage & { _query: Record<string, string> };

/** A middleware that records each request it sees (and its `_query`), then calls next. */
function recorder(name: string, seen: Seen[]): EngineMiddleware {
  return (req, _res, next) => {
    seen.push({ name, transport: req._query.transport, sid: req._query.sid });
    next();
  };
}

/** What the `on-headers` package (under express-session) does to `res.writeHead`. */
function onHeaders(res: ServerResponse, listener: () => void): void {
  const writeHead = res.writeHead as (this: ServerResponse, status?: number) => ServerResponse;
  let fired = false;
  res.writeHead = function (this: ServerResponse, status?: number, headers?: OutgoingHttpHeaders) {
    for (const [name, value] of Object.entries(headers ?? {})) {
      if (value !== undefined) this.setHeader(name, value);
    }
    if (!fired) {
      fired = true;
      listener();
    }
    return writeHead.call(this, status);
  } as ServerResponse["writeHead"];
}

function failingWith(kind: "next" | "throw" | "reject"): EngineMiddleware {
  return (_req, _res, next) => {
    if (kind === "next") next(new Error("denied"));
    else if (kind === "throw") throw new Error("denied");
    else return Promise.reject(new Error("denied"));
  };
}

describe("engine.use(middleware)", () => {
  it("runs on the polling handshake, later polls, and the WebSocket upgrade, in order", async () => {
    const h = await startEngine();
    const seen: Seen[] = [];
    h.engine.use(recorder("a", seen)).use(recorder("b", seen));
    const { sid, conn } = await pollingSession(h);
    expect(seen).toEqual([
      { name: "a", transport: "polling", sid: undefined },
      { name: "b", transport: "polling", sid: undefined },
    ]);
    const post = await fetch(h.url(`transport=polling&sid=${sid}`), {
      method: "POST",
      body: "4hi",
    });
    expect(await post.text()).toBe("ok");
    const { ws } = await openProbe(h, sid);
    expect(seen.slice(2)).toEqual([
      { name: "a", transport: "polling", sid },
      { name: "b", transport: "polling", sid },
      { name: "a", transport: "websocket", sid },
      { name: "b", transport: "websocket", sid },
    ]);
    ws.close();
    conn.close();
  });

  it("runs on a WebSocket-only handshake; a field it sets is on conn.request", async () => {
    const h = await startEngine();
    const user = { name: "ada" };
    h.engine.use((req, _res, next) => {
      Object.assign(req, { user });
      next();
    });
    const connection = nextConnection(h.engine);
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    await once(ws, "open");
    const conn = await connection;
    const req = conn.request as WithQuery & { user?: unknown };
    expect(req.user).toBe(user);
    expect(req._query).toEqual({ EIO: "4", transport: "websocket" });
    ws.close();
  });

  it("a field set on the polling handshake is on conn.request, after the upgrade too", async () => {
    const h = await startEngine();
    let handshakes = 0;
    h.engine.use((req, _res, next) => {
      // The documented "only on handshake" idiom.
      if (req._query.sid === undefined) Object.assign(req, { user: `user${++handshakes}` });
      next();
    });
    const { sid, conn } = await pollingSession(h);
    const { ws } = await openProbe(h, sid);
    ws.send("2probe");
    ws.send("5");
    await until(() => conn.transport.name === "websocket");
    expect((conn.request as IncomingMessage & { user?: string }).user).toBe("user1");
    expect(handshakes).toBe(1);
    ws.close();
  });

  it("waits for an asynchronous next() before the next middleware and the engine", async () => {
    const h = await startEngine();
    const order: string[] = [];
    h.engine.use((_req, _res, next) => {
      setTimeout(() => {
        order.push("slow");
        next();
      }, 5);
    });
    h.engine.use(async (_req, _res, next) => {
      await Promise.resolve();
      order.push("async");
      next();
    });
    h.engine.use((_req, _res, next) => {
      order.push("last");
      next();
      next(); // counted once
    });
    h.engine.on("connection", () => order.push("connection"));
    const { sid } = await pollingSession(h);
    expect(order).toEqual(["slow", "async", "last", "connection"]);
    expect(h.engine.clients.get(sid)).toBeDefined();
  });

  it("middlewares do not run on a CORS preflight (the engine answers it, as engine.io's cors)", async () => {
    const h = await startEngine({ cors: { origin: "https://app.example" } });
    const seen: Seen[] = [];
    h.engine.use(recorder("a", seen));
    const preflight = await fetch(h.url("transport=polling"), {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" },
    });
    expect(preflight.status).toBe(204);
    expect(seen).toEqual([]);
    const res = await fetch(h.url("transport=polling"), {
      headers: { Origin: "https://app.example" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(seen).toHaveLength(1);
  });

  it("headers a middleware sets go out with polling answers and with the 101", async () => {
    const h = await startEngine({ cookie: true });
    h.engine.use((_req, res, next) => {
      res.setHeader("X-Frame-Options", "SAMEORIGIN");
      // express-session sets its cookie from a writeHead hook (on-headers): the engine calls
      // writeHead() before the 101 so it fires on upgrades too.
      onHeaders(res, () => {
        const prior = res.getHeader("Set-Cookie");
        const cookies = prior === undefined ? [] : [prior].flat().map(String);
        res.setHeader("Set-Cookie", [...cookies, "app.sid=s1; Path=/; HttpOnly"]);
      });
      next();
    });
    const polling = await fetch(h.url("transport=polling"));
    expect(polling.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(polling.headers.getSetCookie()).toContain("app.sid=s1; Path=/; HttpOnly");
    const head = await rawUpgrade(h, "EIO=4&transport=websocket", {}, true);
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(head).toContain("X-Frame-Options: SAMEORIGIN\r\n");
    expect(head).toContain("Set-Cookie: app.sid=s1; Path=/; HttpOnly\r\n");
    // The engine's own cookie is on polling handshakes only, next to the middleware's
    // (engine.io sets none on a WebSocket handshake).
    expect(polling.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^io=[\w-]+; Path=\/; HttpOnly; SameSite=Lax$/),
      "app.sid=s1; Path=/; HttpOnly",
    ]);
    expect(head).not.toMatch(/Set-Cookie: io=/);
  });

  describe.each(["next", "throw", "reject"] as const)("a middleware that fails (%s)", (kind) => {
    async function failing(): Promise<{ h: Harness; errors: EngineConnectionError[] }> {
      const h = await startEngine();
      h.engine.use(failingWith(kind));
      return { h, errors: collect<EngineConnectionError>(h.engine, "connection_error") };
    }

    it("refuses a polling request with 400 JSON and connection_error MIDDLEWARE_FAILURE", async () => {
      const { h, errors } = await failing();
      const res = await fetch(h.url("transport=polling"));
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(await res.json()).toEqual({ code: 3, message: "Bad request" });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 3, message: "Bad request" });
      expect(errors[0]?.context).toEqual({
        name: "MIDDLEWARE_FAILURE",
        error: new Error("denied"),
      });
      expect(h.engine.clientsCount).toBe(0);
    });

    it("refuses an upgrade with 400 JSON on the socket, which is closed", async () => {
      const { h, errors } = await failing();
      const { status, body } = upgradeBody(await rawUpgrade(h, "EIO=4&transport=websocket"));
      expect(status).toBe(400);
      expect(body).toEqual({ code: 3, message: "Bad request" });
      expect(errors[0]?.context.name).toBe("MIDDLEWARE_FAILURE");
      // The process and the engine are fine: a request the middleware lets through works.
      expect(h.engine.clientsCount).toBe(0);
    });
  });

  it("a middleware that ends the response with 401 answers polling and refuses the upgrade", async () => {
    const h = await startEngine();
    h.engine.use((req, res, next) => {
      if (req.headers.authorization === "Bearer ok") {
        next();
        return;
      }
      // The chained form: writeHead returns the response, on upgrades too.
      res
        .writeHead(401, { "WWW-Authenticate": "Bearer", "Content-Type": "text/plain" })
        .end("who are you?");
    });
    const errors = collect(h.engine, "connection_error");
    const polling = await fetch(h.url("transport=polling"));
    expect(polling.status).toBe(401);
    expect(polling.headers.get("www-authenticate")).toBe("Bearer");
    expect(await polling.text()).toBe("who are you?");
    const raw = await rawUpgrade(h, "EIO=4&transport=websocket");
    expect(raw).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(raw).toContain("WWW-Authenticate: Bearer\r\n");
    expect(raw).toContain("Connection: close\r\n");
    expect(raw.endsWith("\r\n\r\nwho are you?")).toBe(true);
    // What a WebSocket client sees.
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    ws.on("error", () => {});
    const unexpected = new Promise<IncomingMessage>((resolve) =>
      ws.once("unexpected-response", (_request, response) => resolve(response)),
    );
    expect((await unexpected).statusCode).toBe(401);
    // A middleware's answer is not an engine refusal.
    expect(errors).toEqual([]);
    expect(h.engine.clientsCount).toBe(0);
    const ok = await fetch(h.url("transport=polling"), {
      headers: { Authorization: "Bearer ok" },
    });
    expect((await ok.text())[0]).toBe("0");
  });

  it("the upgrade's response finishes with 101; ending it later leaves the WebSocket alone", async () => {
    const h = await startEngine();
    let upgradeRes: ServerResponse | undefined;
    const events: string[] = [];
    h.engine.use((req, res, next) => {
      if (req._query.transport === "websocket") {
        upgradeRes = res;
        res.on("finish", () => events.push(`finish ${res.statusCode}`));
        res.on("close", () => events.push("close"));
      }
      next();
    });
    h.engine.on("connection", (conn) => conn.on("message", (data) => conn.send(data)));
    const ws = new WebSocket(h.wsUrl("transport=websocket"));
    const frames = collect<Buffer>(ws, "message");
    await once(ws, "open");
    expect(events).toEqual(["finish 101", "close"]);
    expect(upgradeRes?.headersSent).toBe(true);
    upgradeRes?.end("too late");
    ws.send("4echo");
    await until(() => frames.length === 2);
    expect(frames.map(String)).toEqual([expect.stringMatching(/^0\{/), "4echo"]);
    ws.close();
  });

  it("a middleware that answers a poll and still calls next() ends the request there", async () => {
    const h = await startEngine();
    h.engine.use((_req, res, next) => {
      res.writeHead(204).end();
      next();
    });
    const errors = collect(h.engine, "connection_error");
    const res = await fetch(h.url("transport=polling"));
    expect(res.status).toBe(204);
    expect(h.engine.clientsCount).toBe(0);
    expect(errors).toEqual([]);
  });

  it("without middlewares, only the handshake request gets _query (parsed on first read)", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const seen: unknown[] = [];
    h.engine.on("headers", (_headers, req) => seen.push((req as Partial<WithQuery>)._query));
    await fetch(h.url(`transport=polling&sid=${sid}`), { method: "POST", body: "6" });
    // A later request pays for nothing.
    expect(seen).toEqual([undefined]);
    // socket.request has it, as engine.io's, parsed from the handshake URL when first read.
    expect((conn.request as WithQuery)._query).toEqual({ EIO: "4", transport: "polling" });
    expect((conn.request as WithQuery)._query).toBe((conn.request as WithQuery)._query);
  });
});
