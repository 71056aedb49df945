import { IncomingMessage } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "../src/index.js";
import { type Harness, next, startServer, TRANSPORT_MODES } from "./helpers.js";

// A session keeps its handshake request itself only when user code may hold it (it saw the
// request before the socket existed); otherwise a compact record that builds an equal
// request on first read. These tests pin both paths: identity where someone could compare,
// equal content where nobody could.

type Req = IncomingMessage & { upgrade: boolean; _query?: unknown };

/**
 * Captures the handshake request (the first engine request without a `sid`) as Node hands it
 * over, by listening on the HTTP server: a listener there leaves no trace on the request.
 */
function captureHandshake(h: Harness): () => Req {
  let seen: Req | undefined;
  const take = (req: IncomingMessage) => {
    if (seen === undefined && !(req.url ?? "").includes("sid=")) seen = req as Req;
  };
  h.http.on("request", take);
  h.http.on("upgrade", take);
  return () => {
    if (seen === undefined) throw new Error("no handshake request seen");
    return seen;
  };
}

async function connect(h: Harness): Promise<Socket> {
  const connected = next<[Socket]>(h.io, "connection");
  h.client("/", { extraHeaders: { cookie: "a=1", "X-Custom": "v" }, query: { q: "v" } });
  const [socket] = await connected;
  return socket;
}

describe.each(TRANSPORT_MODES)("the handshake request over $mode", ({ client }) => {
  let h: Harness;
  afterEach(() => h?.close());

  it("nothing saw it: an equal request is built once, on first read", async () => {
    h = await startServer({}, client);
    const seen = captureHandshake(h);
    const s = await connect(h);
    const original = seen();
    const req = s.request as Req;
    // Built, not kept: what the compact path is for (~500 bytes per idle connection).
    expect(req).not.toBe(original);
    expect(req).toBeInstanceOf(IncomingMessage);
    expect(s.request).toBe(req);
    expect(s.conn.request).toBe(req);
    expect(s.client.request).toBe(req);
    expect(req.method).toBe(original.method);
    expect(req.url).toBe(original.url);
    expect(req.httpVersion).toBe(original.httpVersion);
    expect(req.httpVersionMajor).toBe(original.httpVersionMajor);
    expect(req.httpVersionMinor).toBe(original.httpVersionMinor);
    expect(req.headers).toBe(original.headers);
    expect(req.headers).toBe(s.handshake.headers);
    expect(req.rawHeaders).toEqual(original.rawHeaders);
    expect(req.rawHeaders).toContain("X-Custom");
    expect(req.upgrade).toBe(original.upgrade);
    expect(req.socket).toBe(original.socket);
    expect(req.socket.remoteAddress).toBe(original.socket.remoteAddress);
    expect(req.complete).toBe(true);
    expect(req._query).toEqual(
      Object.fromEntries(new URL(original.url ?? "", "http://x").searchParams),
    );
    // Fields set on it later stay: it is the one object from now on.
    (req as IncomingMessage & { later?: number }).later = 42;
    expect((s.request as IncomingMessage & { later?: number }).later).toBe(42);
    const body: unknown[] = [];
    req.on("data", (chunk) => body.push(chunk));
    await new Promise((resolve) => req.once("end", resolve));
    expect(body).toEqual([]);
  });

  const observers: [string, (h: Harness, saw: (req: IncomingMessage) => void) => void][] = [
    [
      "an engine middleware",
      (h, saw) =>
        h.io.engine.use((req, _res, go) => {
          saw(req);
          go();
        }),
    ],
    [
      "a generateId of the user's",
      (h, saw) => {
        h.io.engine.generateId = (req) => {
          saw(req);
          return `id-${Math.random().toString(36).slice(2)}`;
        };
      },
    ],
    [
      "an initial_headers listener",
      (h, saw) => h.io.engine.on("initial_headers", (_headers, req) => saw(req)),
    ],
    ["a headers listener", (h, saw) => h.io.engine.on("headers", (_headers, req) => saw(req))],
    [
      "an HTTP listener that set a field on it before the engine",
      (h, saw) => {
        const mark = (req: IncomingMessage) => {
          if ((req.url ?? "").includes("sid=")) return;
          Object.assign(req, { mark: 1 });
          saw(req);
        };
        // Before the engine's own listeners: Node calls them in order.
        h.http.prependListener("request", mark);
        h.http.prependListener("upgrade", mark);
      },
    ],
  ];

  it.each(observers)("%s saw it: the very object is kept", async (_name, observe) => {
    h = await startServer({}, client);
    let seen: IncomingMessage | undefined;
    observe(h, (req) => {
      if (seen === undefined) seen = req;
    });
    const s = await connect(h);
    expect(seen).toBeInstanceOf(IncomingMessage);
    expect(s.request).toBe(seen);
    expect(s.conn.request).toBe(seen);
  });
});
