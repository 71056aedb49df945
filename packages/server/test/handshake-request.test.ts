import { IncomingMessage } from "node:http";
import { Socket as NetSocket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HandshakeRequest } from "../src/engine/handshake-request.js";
import type { Socket } from "../src/index.js";
import { type Harness, next, startServer, TRANSPORT_MODES } from "./helpers.js";

// The session keeps a compact record of its handshake request and rebuilds a genuine
// IncomingMessage for `socket.request` on first read: these tests hold it to what code
// written for socket.io reads off that request.

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

  it("is a genuine, ended IncomingMessage with the handshake's method, url, headers and socket", async () => {
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
    // No body, and reading it ends at once.
    const chunks: unknown[] = [];
    for await (const chunk of req) chunks.push(chunk);
    expect(chunks).toEqual([]);
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
    // Node's own fields are rebuilt, not copied from the original.
    expect(Object.keys(req)).not.toContain("parser");
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

  it("is not rebuilt for a connection nobody asks it of (handshake read included)", async () => {
    const built = vi.spyOn(HandshakeRequest.prototype, "message", "get");
    try {
      h = await startServer({}, client);
      const connected = next<[Socket]>(h.io, "connection");
      h.client("/", { query: { q: "v" } });
      const [s] = await connected;
      expect(s.handshake.query.q).toBe("v");
      expect(s.handshake.headers.host).toBeDefined();
      expect(s.handshake.secure).toBe(false);
      expect(built).not.toHaveBeenCalled();
      expect(s.request).toBeInstanceOf(IncomingMessage);
      expect(built).toHaveBeenCalled();
    } finally {
      built.mockRestore();
    }
  });
});

describe("HandshakeRequest", () => {
  /** A request as Node's parser leaves it, without a server. */
  function request(url: string, headers: Record<string, string>): IncomingMessage {
    const req = new IncomingMessage(new NetSocket());
    req.method = "GET";
    req.url = url;
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.headers = { ...headers };
    return req;
  }

  it("rebuilds the HTTP version and method of an uncommon request, and added fields", () => {
    const req = request("/socket.io/?EIO=4&transport=polling", { host: "h" });
    req.httpVersionMinor = 0;
    Object.assign(req, { user: "ada" });
    const message = new HandshakeRequest(req).message as IncomingMessage & { user?: string };
    expect(message.httpVersion).toBe("1.0");
    expect(message.httpVersionMajor).toBe(1);
    expect(message.httpVersionMinor).toBe(0);
    expect(message.method).toBe("GET");
    expect(message.user).toBe("ada");
    const usual = new HandshakeRequest(request("/", { host: "h" })).message;
    expect(usual.httpVersion).toBe("1.1");
    expect(Object.keys(usual)).not.toContain("user");
  });

  it("keeps every URL and header value intact while the shared-string cache turns over", () => {
    const records: [HandshakeRequest, number][] = [];
    for (let i = 0; i < 2000; i++) {
      const req = request(`/socket.io/?EIO=4&transport=polling&t=${i % 700}`, {
        host: "example.com",
        "user-agent": `agent/${i % 300}`,
        "sec-websocket-key": `key-${i}`,
        "x-long": "x".repeat(300 + (i % 3)),
      });
      records.push([new HandshakeRequest(req), i]);
    }
    for (const [record, i] of records) {
      expect(record.url).toBe(`/socket.io/?EIO=4&transport=polling&t=${i % 700}`);
      expect(record.headers).toEqual({
        host: "example.com",
        "user-agent": `agent/${i % 300}`,
        "sec-websocket-key": `key-${i}`,
        "x-long": "x".repeat(300 + (i % 3)),
      });
      expect(record.message.headers["user-agent"]).toBe(`agent/${i % 300}`);
    }
  });
});
