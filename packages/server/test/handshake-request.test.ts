import { createServer, IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Socket as NetSocket } from "node:net";
import express from "express";
import session from "express-session";
import { afterEach, describe, expect, it } from "vitest";
import { retainHandshakeRequest } from "../src/engine/handshake-request.js";
import type { Socket } from "../src/index.js";
import { type Harness, next, startServer, TRANSPORT_MODES } from "./helpers.js";

// `socket.request` is the handshake request itself, as engine.io's: the object the engine's
// middlewares and allowRequest saw. These tests hold it to what code written for socket.io
// does with it (express-session among them).

interface Session {
  user: string;
}

/** A stand-in for express-session: a cookie names the session, `req.session` carries it. */
function fakeSessionMiddleware(store: Map<string, Session>) {
  return (req: IncomingMessage, _res: unknown, next: (err?: Error) => void) => {
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    const session = sid === undefined ? undefined : store.get(sid);
    if (sid === undefined || session === undefined) {
      next(new Error("no session"));
      return;
    }
    const r = req as IncomingMessage & { session?: Session; sessionID?: string };
    r.session = session;
    r.sessionID = sid;
    next();
  };
}

describe.each(TRANSPORT_MODES)("socket.request over $mode", ({ mode, client }) => {
  let h: Harness;
  afterEach(() => h?.close());

  it("is the handshake's own IncomingMessage: method, url, headers and socket", async () => {
    h = await startServer({}, client);
    const connected = next<[Socket]>(h.io, "connection");
    h.client("/", { extraHeaders: { cookie: "sid=abc; theme=dark" }, query: { q: "v" } });
    const [s] = await connected;
    const req = s.request;
    expect(req).toBeInstanceOf(IncomingMessage);
    expect(s.request).toBe(req);
    expect(s.conn.request).toBe(req);
    expect(s.client.request).toBe(req);
    expect(req.method).toBe("GET");
    expect(req.httpVersion).toBe("1.1");
    // The handshake request: a polling→upgrade session's is the first polling GET.
    expect(req.url).toMatch(/^\/socket\.io\/\?/);
    expect(req.url).toContain("q=v");
    expect(req.url).toContain(mode === "websocket" ? "transport=websocket" : "transport=polling");
    expect(req.headers.cookie).toBe("sid=abc; theme=dark");
    expect(req.headers).toBe(s.handshake.headers);
    expect(req.rawHeaders).toContain("sid=abc; theme=dark");
    expect(req.socket.remoteAddress).toMatch(/127\.0\.0\.1/);
    expect(req.complete).toBe(true);
  });

  it("is the very object allowRequest saw; fields set on it later are visible", async () => {
    let seen: IncomingMessage | undefined;
    h = await startServer(
      {
        allowRequest: (req, cb) => {
          seen = req;
          cb(null, true);
        },
      },
      client,
    );
    const connected = next<[Socket]>(h.io, "connection");
    h.client("/");
    const [s] = await connected;
    expect(s.request).toBe(seen);
    // What code sets on the request afterwards (express-session's reload() does) is there.
    (seen as IncomingMessage & { later?: number }).later = 42;
    expect((s.request as IncomingMessage & { later?: number }).later).toBe(42);
  });

  it("carries what allowRequest added to the request, by reference", async () => {
    const user = { name: "ada" };
    h = await startServer(
      {
        allowRequest: (req, cb) => {
          Object.assign(req, { user, _query: { from: "allowRequest" } });
          cb(null, true);
        },
      },
      client,
    );
    const connected = next<[Socket]>(h.io, "connection");
    h.client("/");
    const [s] = await connected;
    const req = s.request as IncomingMessage & { user?: unknown; _query?: unknown };
    expect(req.user).toBe(user);
    expect(req._query).toEqual({ from: "allowRequest" });
  });

  it("supports the session-middleware wrap pattern, across namespaces of one connection", async () => {
    const store = new Map<string, Session>([["abc", { user: "ada" }]]);
    const sessionMiddleware = fakeSessionMiddleware(store);
    h = await startServer({}, client);
    h.io.use((socket, next) => sessionMiddleware(socket.request, {}, next));
    const admin = h.io.of("/admin");
    admin.use((socket, next) => sessionMiddleware(socket.request, {}, next));
    const connected = next<[Socket]>(h.io, "connection");
    const adminConnected = next<[Socket]>(admin, "connection");
    const main = h.client("/", { extraHeaders: { cookie: "sid=abc" } });
    main.io.socket("/admin").connect();
    const [[s], [a]] = await Promise.all([connected, adminConnected]);
    const req = s.request as IncomingMessage & { session?: Session; sessionID?: string };
    expect(req.session).toBe(store.get("abc"));
    expect(req.sessionID).toBe("abc");
    // One request per connection: the second namespace's middleware saw the same object.
    expect(a.request).toBe(req);

    const refused = h.client("/", { extraHeaders: { cookie: "sid=nope" } });
    const [err] = await next<[Error]>(refused, "connect_error");
    expect(err.message).toBe("no session");
  });
});

describe("socket.request with express-session", () => {
  let h: Harness;
  afterEach(() => h?.close());

  it("req.session.reload() in a socket handler sees and keeps writes made over HTTP", async () => {
    // socket.io's own express-session example: with a copy of the request, reload() replaced
    // the session on the original only, and the handler's save() wrote stale data back.
    const store = new session.MemoryStore();
    const sessionMiddleware = session({
      secret: "s3cret",
      resave: false,
      saveUninitialized: false,
      store,
    });
    const app = express();
    app.use(sessionMiddleware);
    app.get("/login", (req, res) => {
      (req.session as unknown as { count: number }).count = 0;
      res.send("ok");
    });
    app.get("/set", (req, res) => {
      (req.session as unknown as { count: number }).count = Number(req.query.n);
      res.send("ok");
    });
    app.get("/get", (req, res) => {
      res.json((req.session as unknown as { count?: number }).count ?? null);
    });
    const web = createServer(app);
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    try {
      const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
      const login = await fetch(`${base}/login`);
      const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
      expect(cookie).toMatch(/^connect\.sid=/);

      h = await startServer({});
      h.io.engine.use(sessionMiddleware);
      h.io.on("connection", (socket) => {
        const req = socket.request as IncomingMessage & {
          session: session.Session & { count: number };
        };
        socket.on("incr", (ack: (n: number) => void) => {
          req.session.reload((err: unknown) => {
            if (err) return;
            req.session.count++;
            req.session.save(() => ack(req.session.count));
          });
        });
      });
      const c = h.client("/", { transports: ["websocket"], extraHeaders: { cookie } });
      await next(c, "connect");
      // Another request changes the session after the socket connected…
      await fetch(`${base}/set?n=10`, { headers: { cookie } });
      // …and the socket's handler reloads it, increments and saves.
      expect(await c.emitWithAck("incr")).toBe(11);
      expect(await (await fetch(`${base}/get`, { headers: { cookie } })).json()).toBe(11);
    } finally {
      web.closeAllConnections();
      await new Promise((resolve) => web.close(resolve));
    }
  });
});

describe("retainHandshakeRequest", () => {
  /** A request as Node's parser leaves it, without a server. */
  function request(url: string, headers: Record<string, string>): IncomingMessage {
    const req = new IncomingMessage(new NetSocket());
    req.method = "GET";
    req.url = url;
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.headers = { ...headers };
    req.rawHeaders = Object.entries(headers).flat();
    return req;
  }

  it("keeps the object; _query is parsed on first read, then an ordinary field", () => {
    const req = request("/socket.io/?EIO=4&transport=polling&q=v", { host: "h" });
    const user = { name: "ada" };
    Object.assign(req, { user });
    const kept = retainHandshakeRequest(req) as IncomingMessage & {
      user?: unknown;
      _query: Record<string, string>;
    };
    expect(kept).toBe(req);
    expect(kept.user).toBe(user);
    expect(kept._query).toEqual({ EIO: "4", transport: "polling", q: "v" });
    expect(kept._query).toBe(kept._query);
    kept._query = { mine: "1" };
    expect(kept._query).toEqual({ mine: "1" });
    // One set before (by a middleware or a framework) is left alone.
    const own = Object.assign(request("/?a=1", {}), { _query: { set: "before" } });
    expect((retainHandshakeRequest(own) as typeof kept)._query).toEqual({ set: "before" });
  });

  it("keeps every URL and header value intact while the shared-string cache turns over", () => {
    const records: [IncomingMessage, number][] = [];
    for (let i = 0; i < 2000; i++) {
      const req = request(`/socket.io/?EIO=4&transport=polling&t=${i % 700}`, {
        host: "example.com",
        "user-agent": `agent/${i % 300}`,
        "sec-websocket-key": `key-${i}`,
        "x-long": "x".repeat(300 + (i % 3)),
      });
      records.push([retainHandshakeRequest(req), i]);
    }
    for (const [req, i] of records) {
      expect(req.url).toBe(`/socket.io/?EIO=4&transport=polling&t=${i % 700}`);
      const headers = {
        host: "example.com",
        "user-agent": `agent/${i % 300}`,
        "sec-websocket-key": `key-${i}`,
        "x-long": "x".repeat(300 + (i % 3)),
      };
      expect(req.headers).toEqual(headers);
      expect(req.rawHeaders).toEqual(Object.entries(headers).flat());
    }
  });
});
