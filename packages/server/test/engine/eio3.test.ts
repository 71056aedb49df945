// Engine.IO v3 (`allowEIO3`) at the engine level: the real engine.io-client 3.x over every
// transport path, and raw requests for what a client library never sends (malformed payloads,
// wrong heartbeat direction, JSONP). Ports the semantics of engine.io's own EIO3 cases.

import { afterEach, describe, expect, it } from "vitest";
import type { EngineConnection, EngineConnectionError } from "../../src/engine/index.js";
import { prepareMessage } from "../../src/engine/index.js";
import { EngineClientV3 as ClientV3, type EngineClientV3 } from "../support/legacy-clients.js";
import {
  collect,
  type Harness,
  nextConnection,
  onCleanup,
  once,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

afterEach(runCleanups);

const MODES = [
  { mode: "polling", opts: { transports: ["polling"] } },
  { mode: "websocket", opts: { transports: ["websocket"] } },
  { mode: "polling→upgrade", opts: { transports: ["polling", "websocket"] } },
] as const;

function v3Url(h: Harness, query: string): string {
  return `http://127.0.0.1:${h.port}/socket.io/?EIO=3&${query}`;
}

function client(h: Harness, opts: Record<string, unknown> = {}): EngineClientV3 {
  const socket = new ClientV3(`ws://127.0.0.1:${h.port}`, { path: "/socket.io/", ...opts });
  onCleanup(() => socket.close());
  return socket;
}

/** Opens a v3 client and waits for both ends; upgraded clients also wait for the upgrade. */
async function connect(
  h: Harness,
  opts: Record<string, unknown> = {},
): Promise<{ socket: EngineClientV3; conn: EngineConnection }> {
  const connection = nextConnection(h.engine);
  const socket = client(h, opts);
  const upgrading = Array.isArray(opts.transports) && opts.transports.length === 2;
  // Both ends: the client switches when it sends its upgrade packet, the server on receipt.
  const serverUpgrade = upgrading ? connection.then((c) => once(c, "upgrade")) : null;
  const clientUpgrade = upgrading ? once(socket, "upgrade") : null;
  await once(socket, "open");
  await Promise.all([serverUpgrade, clientUpgrade]);
  return { socket, conn: await connection };
}

/** A raw v3 polling handshake: its sid and open packet. */
async function rawHandshake(h: Harness, query = "") {
  const res = await fetch(v3Url(h, `transport=polling&${query}`));
  const body = await res.text();
  const match = /^(\d+):0(.*)$/s.exec(body);
  if (res.status !== 200 || match === null) throw new Error(`bad handshake ${res.status} ${body}`);
  const open = JSON.parse(match[2] as string) as { sid: string } & Record<string, unknown>;
  return { open, body };
}

describe("Engine.IO v3 off (default)", () => {
  it("refuses an EIO=3 handshake with code 5, as engine.io", async () => {
    const h = await startEngine();
    const errors = collect<EngineConnectionError>(h.engine, "connection_error");
    const res = await fetch(v3Url(h, "transport=polling"));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 5, message: "Unsupported protocol version" });
    expect(errors[0]?.code).toBe(5);
  });

  it("a real v3 client gets an error and never opens", async () => {
    const h = await startEngine();
    const socket = client(h, { transports: ["polling"] });
    const opened = collect(socket, "open");
    await once(socket, "error");
    expect(opened).toHaveLength(0);
  });

  it("the option must be a boolean", async () => {
    await expect(startEngine({ allowEIO3: "yes" as unknown as boolean })).rejects.toThrow(
      /allowEIO3 must be a boolean/,
    );
  });
});

describe("Engine.IO v3 handshake", () => {
  it("answers with a v3 open packet in a length-prefixed payload", async () => {
    const h = await startEngine({ allowEIO3: true, pingInterval: 300, pingTimeout: 200 });
    const conn = nextConnection(h.engine);
    const { open, body } = await rawHandshake(h);
    expect(body.startsWith(`${body.length - body.indexOf(":") - 1}:0{`)).toBe(true);
    // engine.io sends maxPayload to v3 clients too (they ignore it).
    expect(open).toEqual({
      sid: open.sid,
      upgrades: ["websocket"],
      pingInterval: 300,
      pingTimeout: 200,
      maxPayload: 1e6,
    });
    expect((await conn).protocol).toBe(3);
  });

  it("treats a handshake without EIO as v3, as engine.io does", async () => {
    const h = await startEngine({ allowEIO3: true });
    const res = await fetch(`http://127.0.0.1:${h.port}/socket.io/?transport=polling`);
    expect(await res.text()).toMatch(/^\d+:0\{"sid"/);
  });

  it("v4 clients are unaffected", async () => {
    const h = await startEngine({ allowEIO3: true });
    const conn = nextConnection(h.engine);
    const res = await fetch(h.url("transport=polling"));
    expect(await res.text()).toMatch(/^0\{"sid"/);
    expect((await conn).protocol).toBe(4);
  });
});

describe.each(MODES)("engine.io-client 3.x over $mode", ({ opts }) => {
  it("exchanges text both ways", async () => {
    const h = await startEngine({ allowEIO3: true });
    const { socket, conn } = await connect(h, { ...opts });
    expect(conn.protocol).toBe(3);
    const got = once<string>(conn, "message");
    socket.send("héllo 😀");
    expect(await got).toBe("héllo 😀");
    const back = once<string>(socket, "message");
    conn.send("wörld 😀");
    expect(await back).toBe("wörld 😀");
  });

  it.each([false, true])("exchanges binary both ways (forceBase64: %s)", async (forceBase64) => {
    const h = await startEngine({ allowEIO3: true });
    const { socket, conn } = await connect(h, { ...opts, forceBase64 });
    const got = collect<Buffer>(conn, "message");
    socket.send(Buffer.from([0, 1, 2, 255]));
    await until(() => got.length === 1);
    expect(Buffer.from(got[0] as Buffer)).toEqual(Buffer.from([0, 1, 2, 255]));
    const received = collect<unknown>(socket, "message");
    conn.send("text first");
    conn.send(new Uint8Array([9, 8, 7]));
    await until(() => received.length === 2);
    expect(received[0]).toBe("text first");
    expect(Buffer.from(received[1] as Buffer)).toEqual(Buffer.from([9, 8, 7]));
  });

  it("delivers an empty message", async () => {
    const h = await startEngine({ allowEIO3: true });
    const { socket, conn } = await connect(h, { ...opts });
    const got = once<string>(conn, "message");
    socket.send("");
    expect(await got).toBe("");
  });

  it("a broadcast prepared once reaches v3 and v4 peers, text and binary", async () => {
    const h = await startEngine({ allowEIO3: true });
    const v3 = await connect(h, { ...opts });
    const v4conn = nextConnection(h.engine);
    const v4 = await import("engine.io-client").then(
      ({ Socket }) =>
        new Socket(`ws://127.0.0.1:${h.port}`, {
          path: "/socket.io/",
          transports: [...opts.transports],
        }),
    );
    onCleanup(() => {
      v4.close();
    });
    await once(v4, "open");
    const conns = [v3.conn, await v4conn];
    const fromV3 = collect<unknown>(v3.socket, "message");
    const fromV4 = collect<unknown>(v4, "message");
    const message = prepareMessage(['2["x"]', new Uint8Array([1, 2])]);
    for (const conn of conns) conn.sendPrepared(message);
    await until(() => fromV3.length === 2 && fromV4.length === 2);
    for (const got of [fromV3, fromV4]) {
      expect(got[0]).toBe('2["x"]');
      expect(Buffer.from(got[1] as Buffer)).toEqual(Buffer.from([1, 2]));
    }
  });
});

describe.each(MODES)("closing a v3 session over $mode", ({ opts }) => {
  it("a client close is a transport close on the server", async () => {
    const h = await startEngine({ allowEIO3: true });
    const { socket, conn } = await connect(h, { ...opts });
    const closed = once<string>(conn, "close");
    socket.close();
    expect(await closed).toBe("transport close");
  });

  it("a server close reaches the client", async () => {
    const h = await startEngine({ allowEIO3: true });
    const { socket, conn } = await connect(h, { ...opts });
    const closed = once<string>(socket, "close");
    conn.close();
    expect(await closed).toBe("transport close");
    expect(h.engine.clientsCount).toBe(0);
  });
});

describe("Engine.IO v3 heartbeat", () => {
  it("the client pings, the server answers pong; the session stays up across intervals", async () => {
    const h = await startEngine({ allowEIO3: true, pingInterval: 40, pingTimeout: 200 });
    for (const opts of MODES.map((m) => m.opts)) {
      const { socket, conn } = await connect(h, { ...opts });
      const pongs = collect(socket, "pong");
      const beats = collect(conn, "heartbeat");
      await until(() => pongs.length >= 3 && beats.length >= 3);
      expect(conn.readyState).toBe("open");
      socket.close();
    }
  });

  it.each(MODES)(
    "a client that stops pinging is closed with ping timeout ($mode)",
    async ({ opts }) => {
      const h = await startEngine({ allowEIO3: true, pingInterval: 40, pingTimeout: 40 });
      const conn = nextConnection(h.engine);
      const socket = client(h, { ...opts });
      // Leave the verdict to the server: no pings, no client-side deadline.
      socket.setPing = () => {};
      socket.onHeartbeat = () => {};
      await once(socket, "open");
      const [reason] = await new Promise<unknown[]>((resolve) =>
        conn.then((c) => c.once("close", (...args) => resolve(args))),
      );
      expect(reason).toBe("ping timeout");
    },
  );

  it("a pong from a v3 client is a protocol violation", async () => {
    const h = await startEngine({ allowEIO3: true });
    const conn = nextConnection(h.engine);
    const { open } = await rawHandshake(h);
    const closed = new Promise<unknown[]>((resolve) =>
      conn.then((c) => c.once("close", (...args) => resolve(args))),
    );
    await fetch(v3Url(h, `transport=polling&sid=${open.sid}`), { method: "POST", body: "1:3" });
    const [reason, error] = await closed;
    expect(reason).toBe("transport error");
    expect((error as Error).message).toBe("invalid heartbeat direction");
  });
});

describe("Engine.IO v3 polling payloads", () => {
  it("accepts a text POST of several packets, and a later request saying EIO=4", async () => {
    const h = await startEngine({ allowEIO3: true });
    const conn = nextConnection(h.engine);
    const { open } = await rawHandshake(h);
    const got = collect<unknown>(await conn, "message");
    // engine.io's transports read EIO once: a v3 session stays v3.
    const url = `http://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=polling&sid=${open.sid}`;
    const res = await fetch(url, { method: "POST", body: "4:41236:b4AQI=0:2:4é" });
    expect(await res.text()).toBe("ok");
    expect(got[0]).toBe("123");
    expect(Buffer.from(got[1] as Buffer)).toEqual(Buffer.from([1, 2]));
    expect(got[2]).toBe("é");
  });

  it("accepts a binary POST, and answers binary to a client without b64", async () => {
    const h = await startEngine({ allowEIO3: true });
    const conn = nextConnection(h.engine);
    const { open } = await rawHandshake(h);
    const c = await conn;
    const got = collect<unknown>(c, "message");
    const url = v3Url(h, `transport=polling&sid=${open.sid}`);
    const body = new Uint8Array([0, 2, 255, 0x34, 0x61, 1, 3, 255, 4, 7, 8]);
    const res = await fetch(url, {
      method: "POST",
      body,
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(await res.text()).toBe("ok");
    expect(got[0]).toBe("a");
    expect(Buffer.from(got[1] as Buffer)).toEqual(Buffer.from([7, 8]));
    c.send("b");
    c.send(Buffer.from([5]));
    const poll = await fetch(url);
    expect(poll.headers.get("content-type")).toBe("application/octet-stream");
    expect([...new Uint8Array(await poll.arrayBuffer())]).toEqual([
      0, 2, 255, 0x34, 0x62, 1, 2, 255, 4, 5,
    ]);
  });

  it("compresses a large binary payload like any polling response", async () => {
    const h = await startEngine({ allowEIO3: true });
    const conn = nextConnection(h.engine);
    const { open } = await rawHandshake(h);
    const c = await conn;
    c.send(Buffer.alloc(4000, 7));
    // fetch asks for gzip and inflates the answer.
    const poll = await fetch(v3Url(h, `transport=polling&sid=${open.sid}`));
    expect(poll.headers.get("content-encoding")).toBe("gzip");
    const body = new Uint8Array(await poll.arrayBuffer());
    expect([...body.subarray(0, 7)]).toEqual([1, 4, 0, 0, 1, 255, 4]);
    expect(body.length).toBe(7 + 4000);
  });

  it("answers a b64 client in text, binary as b4<base64>", async () => {
    const h = await startEngine({ allowEIO3: true });
    const conn = nextConnection(h.engine);
    const { open } = await rawHandshake(h, "b64=1");
    const c = await conn;
    c.send("b");
    c.send(Buffer.from([1, 2]));
    const poll = await fetch(v3Url(h, `transport=polling&sid=${open.sid}`));
    expect(poll.headers.get("content-type")).toBe("text/plain; charset=UTF-8");
    expect(await poll.text()).toBe("2:4b6:b4AQI=");
  });

  it.each([
    ["bad length", "3:4a", "INVALID_PAYLOAD_FRAMING"],
    ["no length", "4a", "INVALID_PAYLOAD_FRAMING"],
    ["unknown type", "1:9", "UNKNOWN_PACKET_TYPE"],
    ["bad base64", "4:b4!!", "INVALID_BASE64"],
  ])("a malformed text payload (%s) ends only that session", async (_name, body, code) => {
    const h = await startEngine({ allowEIO3: true });
    const other = await connect(h, { transports: ["polling"] });
    const conn = nextConnection(h.engine);
    const { open } = await rawHandshake(h);
    const closed = new Promise<unknown[]>((resolve) =>
      conn.then((c) => c.once("close", (...args) => resolve(args))),
    );
    const res = await fetch(v3Url(h, `transport=polling&sid=${open.sid}`), {
      method: "POST",
      body,
    });
    expect(res.status).toBe(400);
    const [reason, error] = await closed;
    expect(reason).toBe("parse error");
    expect((error as { code: string }).code).toBe(code);
    // The other session goes on.
    const got = once<string>(other.conn, "message");
    other.socket.send("still here");
    expect(await got).toBe("still here");
  });

  it("a malformed binary payload ends the session with a clear error", async () => {
    const h = await startEngine({ allowEIO3: true });
    const conn = nextConnection(h.engine);
    const { open } = await rawHandshake(h);
    const closed = new Promise<unknown[]>((resolve) =>
      conn.then((c) => c.once("close", (...args) => resolve(args))),
    );
    const res = await fetch(v3Url(h, `transport=polling&sid=${open.sid}`), {
      method: "POST",
      body: new Uint8Array([0, 9, 255, 0x34]),
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(res.status).toBe(400);
    const [reason, error] = await closed;
    expect(reason).toBe("parse error");
    expect((error as { code: string }).code).toBe("INVALID_PAYLOAD_FRAMING");
  });
});

describe("Engine.IO v3 JSONP polling", () => {
  it("answers GETs as a ___eio[j](…) call and reads `d=` form POSTs", async () => {
    const h = await startEngine({ allowEIO3: true });
    const conn = nextConnection(h.engine);
    const res = await fetch(v3Url(h, "transport=polling&j=3&b64=1"));
    const script = await res.text();
    const match = /^___eio\[3\]\((".*")\);$/s.exec(script);
    expect(match).not.toBeNull();
    const payload = JSON.parse(match?.[1] as string) as string;
    const { sid } = JSON.parse(payload.slice(payload.indexOf(":") + 2)) as { sid: string };
    const c = await conn;
    const got = collect<unknown>(c, "message");
    const url = v3Url(h, `transport=polling&sid=${sid}&j=3`);
    const form = new URLSearchParams({ d: "7:4a\\nb\\\\nc" });
    const post = await fetch(url, { method: "POST", body: form });
    expect(await post.text()).toBe("ok");
    expect(got[0]).toBe("a\nb\\nc");
    c.send("line\u2028sep");
    c.send(Buffer.from([1]));
    const poll = await (await fetch(url)).text();
    expect(poll).toBe('___eio[3]("9:4line\\u2028sep6:b4AQ==");');
  });

  it("a POST without its d field ends the session", async () => {
    const h = await startEngine({ allowEIO3: true });
    const conn = nextConnection(h.engine);
    const res = await fetch(v3Url(h, "transport=polling&j=0"));
    const payload = JSON.parse(/\((".*")\)/s.exec(await res.text())?.[1] as string) as string;
    const { sid } = JSON.parse(payload.slice(payload.indexOf(":") + 2)) as { sid: string };
    const closed = new Promise<unknown[]>((resolve) =>
      conn.then((c) => c.once("close", (...args) => resolve(args))),
    );
    const post = await fetch(v3Url(h, `transport=polling&sid=${sid}&j=0`), {
      method: "POST",
      body: "x=1",
    });
    expect(post.status).toBe(400);
    expect((await closed)[0]).toBe("parse error");
  });
});
