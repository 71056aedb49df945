import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  attach,
  Engine,
  type EngineConnection,
  listen,
  protocol,
  Server,
  Socket,
} from "../../src/engine/index.js";
import {
  nextConnection,
  onCleanup,
  pollingHandshake,
  runCleanups,
  startEngine,
} from "./helpers.js";

// engine.io's top-level API and `engine.clients` as code written against engine.io reads
// them, after changing the import to @parley/server/engine.

afterEach(runCleanups);

describe("engine.clients", () => {
  it("is an object keyed by id (engine.io) and a read-only Map (Parley) at once", async () => {
    const h = await startEngine();
    expect(Object.keys(h.engine.clients)).toEqual([]);
    const connected = nextConnection(h.engine);
    const { sid } = await pollingHandshake(h);
    const conn = await connected;
    const clients = h.engine.clients;
    expect(Object.keys(clients)).toEqual([sid]);
    expect(clients[sid]).toBe(conn);
    expect(clients.get(sid)).toBe(conn);
    expect(clients.has(sid)).toBe(true);
    expect(clients.size).toBe(1);
    expect(h.engine.clientsCount).toBe(1);
    expect([...clients.keys()]).toEqual([sid]);
    expect([...clients.values()]).toEqual([conn]);
    expect([...clients]).toEqual([[sid, conn]]);
    const seen: string[] = [];
    for (const id in clients) seen.push(id);
    expect(seen).toEqual([sid]);
    const closed = new Promise((resolve) => conn.once("close", resolve));
    conn.close();
    // A polling session closes on its next GET (`6␞1`).
    await fetch(h.url(`transport=polling&sid=${sid}`));
    await closed;
    expect(Object.keys(clients)).toEqual([]);
    expect(clients[sid]).toBeUndefined();
    expect(clients.size).toBe(0);
  });

  it("refuses a custom id that names one of its own members", async () => {
    const h = await startEngine();
    const errors: string[] = [];
    h.engine.on("connection_error", (err) => errors.push(String(err.context?.name)));
    for (const id of ["get", "size", "__proto__", "toString"]) {
      h.engine.generateId = () => id;
      const res = await fetch(h.url("transport=polling"));
      expect(res.status).toBe(400);
    }
    expect(errors).toEqual(Array(4).fill("ID_GENERATION_ERROR"));
    expect(h.engine.clients.size).toBe(0);
    expect(typeof h.engine.clients.get).toBe("function");
  });
});

describe("engine.opts", () => {
  it("holds the options as given over engine.io's defaults, and cannot be changed", () => {
    const engine = new Server({ cors: true, pingInterval: 1000 });
    expect(engine.opts).toMatchObject({
      cors: true,
      pingInterval: 1000,
      pingTimeout: 20_000,
      maxHttpBufferSize: 1e6,
      path: "/engine.io",
    });
    expect(() => {
      (engine.opts as { pingInterval: number }).pingInterval = 5;
    }).toThrow(TypeError);
  });
});

describe("engine.io's top-level API", () => {
  function port(server: { address(): unknown }): number {
    return (server.address() as AddressInfo).port;
  }

  it("exports protocol 4, and Socket is the class of every connection", async () => {
    expect(protocol).toBe(4);
    const h = await startEngine();
    const connected = nextConnection(h.engine);
    await pollingHandshake(h);
    const conn: EngineConnection = await connected;
    expect(conn).toBeInstanceOf(Socket);
  });

  it("Server is an Engine serving engine.io's default path, /engine.io/", async () => {
    const http = createServer();
    const engine = new Server();
    expect(engine).toBeInstanceOf(Engine);
    engine.attach(http);
    onCleanup(() => {
      engine.close();
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    onCleanup(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const base = `http://127.0.0.1:${port(http)}`;
    const res = await fetch(`${base}/engine.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(200);
    expect((await res.text()).startsWith("0{")).toBe(true);
    expect(new Server({ path: "/custom" }).options.path).toBe("/custom/");
    // Parley's own Engine keeps socket.io's path.
    expect(new Engine().options.path).toBe("/socket.io/");
  });

  it("attach(http, opts) returns a Server attached with those options", async () => {
    const http = createServer();
    const engine = attach(http, { pingInterval: 1234 });
    onCleanup(() => {
      engine.close();
    });
    expect(engine).toBeInstanceOf(Server);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    onCleanup(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const body = await (
      await fetch(`http://127.0.0.1:${port(http)}/engine.io/?EIO=4&transport=polling`)
    ).text();
    expect(JSON.parse(body.slice(1)).pingInterval).toBe(1234);
  });

  it("listen(port, opts, cb) makes its own HTTP server, answering 501 outside the engine", async () => {
    let engine: Server | undefined;
    await new Promise<void>((resolve) => {
      engine = listen(0, { pingTimeout: 999 }, resolve);
    });
    const http = engine?.httpServer;
    if (engine === undefined || http === undefined) throw new Error("no httpServer");
    onCleanup(() => {
      engine?.close();
      return new Promise<void>((resolve) => http.close(() => resolve()));
    });
    const base = `http://127.0.0.1:${port(http)}`;
    expect((await fetch(`${base}/elsewhere`)).status).toBe(501);
    const body = await (await fetch(`${base}/engine.io/?EIO=4&transport=polling`)).text();
    expect(JSON.parse(body.slice(1)).pingTimeout).toBe(999);
  });
});
