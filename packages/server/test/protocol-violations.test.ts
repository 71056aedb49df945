import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "../src/index.js";
import { type Harness, startServer, until } from "./helpers.js";

// A client that breaks the Socket.IO protocol over long-polling: the session is closed
// cleanly, as socket.io closes it (what was queued, then a noop and the close packet on the
// next GET), not dropped under a client that is still polling ("Session ID unknown").

describe("protocol violations over long-polling", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  function url(query = ""): string {
    return `${h.url}/socket.io/?EIO=4&transport=polling${query}`;
  }

  async function handshake(): Promise<string> {
    const body = await (await fetch(url())).text();
    return (JSON.parse(body.slice(1)) as { sid: string }).sid;
  }

  async function push(sid: string, body: string): Promise<number> {
    return (await fetch(url(`&sid=${sid}`), { method: "POST", body })).status;
  }

  async function poll(sid: string): Promise<string> {
    return (await fetch(url(`&sid=${sid}`))).text();
  }

  it("closes on a second CONNECT: the CONNECT answer, then `6␞1`", async () => {
    h = await startServer();
    const reasons: string[] = [];
    h.io.on("connection", (s: Socket) => s.on("disconnect", (r) => reasons.push(r)));
    const sid = await handshake();
    expect(await push(sid, "40")).toBe(200);
    expect(await push(sid, "40")).toBe(200);
    expect(await poll(sid)).toMatch(/^40\{"sid":"/);
    expect(await poll(sid)).toBe("6\x1e1");
    expect(reasons).toEqual(["forced server close"]);
  });

  it("closes on a second CONNECT to a namespace whose middleware has not finished", async () => {
    h = await startServer();
    let release: (() => void) | undefined;
    h.io.of("/slow").use((_socket, next) => {
      release = () => next();
    });
    const sid = await handshake();
    expect(await push(sid, "40/slow,")).toBe(200);
    await until(() => release !== undefined, "the middleware ran");
    expect(await push(sid, "40/slow,")).toBe(200);
    expect(await poll(sid)).toBe("6\x1e1");
    // The middleware finishing late connects nothing: the connection is gone.
    release?.();
    expect(h.io.of("/slow").sockets.size).toBe(0);
  });

  it("counts the namespaces still joining against maxNamespacesPerClient", async () => {
    h = await startServer({ maxNamespacesPerClient: 2 });
    const waiting: (() => void)[] = [];
    for (const name of ["/a", "/b"]) {
      h.io.of(name).use((_socket, next) => {
        waiting.push(() => next());
      });
    }
    h.io.of("/c");
    const sid = await handshake();
    expect(await push(sid, "40/a,\x1e40/b,\x1e40/c,")).toBe(200);
    await until(() => waiting.length === 2, "both middlewares ran");
    expect(await poll(sid)).toBe('44/c,{"message":"Too many namespaces"}');
    for (const next of waiting) next();
    const answers = (await poll(sid)).split("\x1e");
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^40\/a,\{"sid":"[^"]+"\}$/);
    expect(answers[1]).toMatch(/^40\/b,\{"sid":"[^"]+"\}$/);
    expect(h.io.of("/a").sockets.size).toBe(1);
    expect(h.io.of("/b").sockets.size).toBe(1);
  });

  it("closes on an EVENT while connected to no namespace", async () => {
    h = await startServer();
    const sid = await handshake();
    expect(await push(sid, '42["some event"]')).toBe(200);
    expect(await poll(sid)).toBe("6\x1e1");
  });

  it("closes on a packet that does not decode", async () => {
    h = await startServer();
    const sid = await handshake();
    await push(sid, "40");
    await push(sid, "4abc");
    expect(await poll(sid)).toMatch(/^40\{"sid":"/);
    expect(await poll(sid)).toBe("6\x1e1");
  });

  it("answers a GET already waiting with the close packet alone", async () => {
    h = await startServer();
    const sid = await handshake();
    const pending = poll(sid);
    // The GET must be held by the server before the violation arrives.
    await until(() => h.io.engine.clients.get(sid)?.writable === true, "GET held");
    await push(sid, '42["x"]');
    expect(await pending).toBe("1");
  });
});
