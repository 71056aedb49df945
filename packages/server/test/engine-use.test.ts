import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { EngineMiddleware } from "../src/engine/index.js";
import type { Socket } from "../src/index.js";
import { type Harness, next, startServer, TRANSPORT_MODES } from "./helpers.js";

// io.engine.use() as Socket.IO's docs use it ("How to use with express-session"), with the
// official client. express-session is not installed here: `tinySession` does what matters
// to the engine (a cookie names a session, `req.session` carries it, a new session's cookie
// is set from a writeHead hook, as express-session's on-headers does).

interface Session {
  id: string;
  views: number;
}
type SessionRequest = IncomingMessage & { session?: Session };

function tinySession(store: Map<string, Session>): EngineMiddleware {
  let ids = 0;
  return (req: IncomingMessage, res: ServerResponse, next) => {
    const sid = /(?:^|;\s*)app\.sid=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    let session = sid === undefined ? undefined : store.get(sid);
    if (session === undefined) {
      session = { id: `s${++ids}`, views: 0 };
      store.set(session.id, session);
      const id = session.id;
      const writeHead = res.writeHead as (this: ServerResponse, ...a: unknown[]) => ServerResponse;
      res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
        this.setHeader("Set-Cookie", `app.sid=${id}; Path=/; HttpOnly`);
        return writeHead.apply(this, args);
      } as ServerResponse["writeHead"];
    }
    (req as SessionRequest).session = session;
    next();
  };
}

describe.each(TRANSPORT_MODES)("io.engine.use over $mode", ({ client }) => {
  let h: Harness;
  afterEach(() => h?.close());

  it("the express-session pattern: socket.request.session is the middleware's object", async () => {
    h = await startServer({}, client);
    const store = new Map<string, Session>([["known", { id: "known", views: 3 }]]);
    h.io.engine.use(tinySession(store));
    const connected = next<[Socket]>(h.io, "connection");
    h.client("/", { extraHeaders: { cookie: "app.sid=known" } });
    const [socket] = await connected;
    expect((socket.request as SessionRequest).session).toBe(store.get("known"));
    // A client with no session gets a new one, the same object on the server.
    const second = next<[Socket]>(h.io, "connection");
    h.client("/");
    const [other] = await second;
    const session = (other.request as SessionRequest).session;
    expect(session?.id).toBe("s1");
    expect(session).toBe(store.get("s1"));
  });

  it.each(["next", "throw"] as const)(
    "a middleware that fails (%s): connect_error, and the server lives on",
    async (kind) => {
      h = await startServer({}, client);
      h.io.engine.use((req, _res, next) => {
        if (req.headers["x-token"] === "ok") {
          next();
          return;
        }
        if (kind === "throw") throw new Error("no token");
        next(new Error("no token"));
      });
      const errors: { context: Record<string, unknown> }[] = [];
      h.io.engine.on("connection_error", (err) => errors.push(err));
      let connections = 0;
      h.io.on("connection", () => connections++);
      const refused = h.client("/");
      await next(refused, "connect_error");
      expect(connections).toBe(0);
      expect(errors[0]?.context.name).toBe("MIDDLEWARE_FAILURE");
      const allowed = h.client("/", { extraHeaders: { "x-token": "ok" } });
      await next(allowed, "connect");
      expect(connections).toBe(1);
    },
  );
});
