// Parley running natively on Bun (Bun.serve + Bun's WebSocket), driven from Node by the
// official socket.io-client and by @parley/client, in the three transport modes. The server is
// test/bun/fixtures/app.ts run by the `bun` binary against the BUILT @parley/server.
import { fileURLToPath } from "node:url";
import { io as parleyIo } from "@parley/client";
import { io as officialIo, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { WebSocket as WsClient } from "ws";
import { ioV2, type SocketClientV2 } from "../../packages/server/test/support/legacy-clients.js";
import { waitFor, within } from "../support/app-clients.js";
import { describeBun, startBunServer } from "../support/bun.js";
import type { ServerProcess } from "../support/server-process.js";

const APP = fileURLToPath(new URL("./fixtures/app.ts", import.meta.url));

type Transports = ("polling" | "websocket")[];
const MODES: [string, Transports][] = [
  ["polling only", ["polling"]],
  ["websocket only", ["websocket"]],
  ["polling, then upgrade", ["polling", "websocket"]],
];
type ClientKind = "official" | "parley";

const open = new Set<Socket>();

function connect(url: string, kind: ClientKind, transports: Transports): Promise<Socket> {
  const options = { forceNew: true, reconnection: false, transports };
  const socket =
    kind === "official" ? officialIo(url, options) : (parleyIo(url, options) as unknown as Socket);
  open.add(socket);
  return within(
    new Promise<Socket>((resolve, reject) => {
      socket.once("welcome", (runtime: string) => {
        if (runtime === "bun") resolve(socket);
        else reject(new Error(`the server says it runs on ${runtime}`));
      });
      socket.once("connect_error", reject);
    }),
    `connecting to ${url} (${kind}, ${transports.join("+")})`,
  );
}

function nextEvent(socket: Socket, event: string): Promise<unknown[]> {
  return within(
    new Promise((resolve) => socket.once(event, (...args: unknown[]) => resolve(args))),
    `event ${event}`,
  );
}

const describe = describeBun();

for (const front of ["listen", "handler"] as const) {
  describe(`Parley on Bun (${front === "listen" ? "io.listen(port)" : "@parley/server/bun handler"})`, () => {
    let server: ServerProcess;
    let url: string;

    beforeAll(async () => {
      server = await startBunServer(APP, { FRONT: front, MAX_BUFFER: "10000" });
      url = server.url;
    });
    afterEach(() => {
      for (const socket of open) socket.disconnect();
      open.clear();
    });
    afterAll(async () => {
      await server?.kill();
    });

    for (const [mode, transports] of MODES) {
      for (const kind of ["official", "parley"] as const) {
        it(`${kind} client, ${mode}: acks with every kind of argument`, async () => {
          const socket = await connect(url, kind, transports);
          const args = ["text", 42, null, true, { nested: ["a", { b: 1 }] }, [1, 2]];
          const reply = await within(
            new Promise<unknown[]>((resolve) =>
              socket.emit("echo", ...args, (...back: unknown[]) => resolve(back)),
            ),
            "echo ack",
          );
          expect(reply).toEqual(args);
        });

        it(`${kind} client, ${mode}: binary in acks and events, both ways`, async () => {
          const socket = await connect(url, kind, transports);
          const bytes = nextEvent(socket, "bytes");
          const ack = await within(
            new Promise<unknown>((resolve) => socket.emit("binary", resolve)),
            "binary ack",
          );
          expect(new Uint8Array(ack as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));
          const [first, second] = await bytes;
          expect(new Uint8Array(first as ArrayBuffer)).toEqual(new Uint8Array([4, 5, 6]));
          const nested = (second as { nested: ArrayBuffer }).nested;
          expect(new Uint8Array(nested)).toEqual(new Uint8Array([7]));
          const sent = new Uint8Array([9, 8, 7, 0, 255]);
          const echoed = await within(
            new Promise<unknown[]>((resolve) =>
              socket.emit("echo", sent, { deep: sent }, (...back: unknown[]) => resolve(back)),
            ),
            "binary echo",
          );
          expect(new Uint8Array(echoed[0] as ArrayBuffer)).toEqual(sent);
          expect(new Uint8Array((echoed[1] as { deep: ArrayBuffer }).deep)).toEqual(sent);
        });

        it(`${kind} client, ${mode}: room broadcasts reach the members only, in order`, async () => {
          const [member, other, sender] = await Promise.all([
            connect(url, kind, transports),
            connect(url, kind, transports),
            connect(url, kind, transports),
          ]);
          const room = `room-${kind}-${transports.join("-")}`;
          await within(
            new Promise((resolve) => member.emit("join", room, resolve)),
            "joining the room",
          );
          const got: unknown[] = [];
          const strays: unknown[] = [];
          member.on("room", (n: unknown) => got.push(n));
          other.on("room", (n: unknown) => strays.push(n));
          for (let i = 0; i < 20; i++) sender.emit("to-room", room, i);
          await waitFor(() => got.length === 20, "20 room messages");
          expect(got).toEqual([...Array(20).keys()]);
          // "all" goes to everyone, after the room messages: `other` saw none of those.
          const all = nextEvent(other, "all");
          sender.emit("all", "done");
          expect(await all).toEqual(["done"]);
          expect(strays).toEqual([]);
        });
      }
    }

    it("a room broadcast is one native publish, and reaches polling, WebSocket and upgraded members alike", async () => {
      const [polling, websocket, upgrading, outsider] = await Promise.all([
        connect(url, "official", ["polling"]),
        connect(url, "official", ["websocket"]),
        connect(url, "parley", ["polling", "websocket"]),
        connect(url, "official", ["websocket"]),
      ]);
      const room = "mixed";
      // `upgrading` joins while it may still be polling; its upgrade moves it to the topic.
      for (const member of [polling, websocket, upgrading]) {
        await within(new Promise((r) => member.emit("join", room, r)), "join");
      }
      const count = () =>
        within(new Promise<number>((r) => outsider.emit("publishes", r)), "publish count");
      const before = await count();
      const got = new Map<Socket, unknown[]>();
      for (const member of [polling, websocket, upgrading, outsider]) {
        const list: unknown[] = [];
        got.set(member, list);
        member.on("room", (n: unknown) => list.push(n));
      }
      for (let i = 0; i < 30; i++) outsider.emit("to-room", room, i);
      const all = [...Array(30).keys()];
      await waitFor(
        () => [polling, websocket, upgrading].every((m) => got.get(m)?.length === 30),
        "30 messages at each member",
      );
      for (const member of [polling, websocket, upgrading]) expect(got.get(member)).toEqual(all);
      expect(await count()).toBeGreaterThanOrEqual(before + 30);
      // After leaving, nothing more: neither by topic nor by the polling path.
      await within(new Promise((r) => websocket.emit("leave", room, r)), "leave");
      await within(new Promise((r) => polling.emit("leave", room, r)), "leave");
      outsider.emit("to-room", room, "after");
      await waitFor(() => got.get(upgrading)?.length === 31, "the last message");
      const everyone = nextEvent(websocket, "all");
      const everyoneToo = nextEvent(polling, "all");
      outsider.emit("all", "end");
      await everyone;
      await everyoneToo;
      expect(got.get(websocket)).toEqual(all);
      expect(got.get(polling)).toEqual(all);
      expect(got.get(outsider)).toEqual([]);
    });

    it("a socket's own room is no topic: to(id) reaches it, and whoever joined that room, one by one", async () => {
      const [target, joiner, outsider] = await Promise.all([
        connect(url, "official", ["websocket"]),
        connect(url, "parley", ["websocket"]),
        connect(url, "official", ["websocket"]),
      ]);
      const room = target.id as string;
      await within(new Promise((r) => joiner.emit("join", room, r)), "join");
      const count = () =>
        within(new Promise<number>((r) => outsider.emit("publishes", r)), "publish count");
      const before = await count();
      const got = new Map<Socket, unknown[]>();
      for (const member of [target, joiner, outsider]) {
        const list: unknown[] = [];
        got.set(member, list);
        member.on("room", (n: unknown) => list.push(n));
      }
      for (let i = 0; i < 10; i++) outsider.emit("to-room", room, i);
      const all = [...Array(10).keys()];
      await waitFor(
        () => got.get(target)?.length === 10 && got.get(joiner)?.length === 10,
        "10 messages at the socket and at the one that joined its room",
      );
      expect(got.get(target)).toEqual(all);
      expect(got.get(joiner)).toEqual(all);
      // Declined by the topics (no native publish), delivered by the adapter per recipient.
      expect(await count()).toBe(before);
      // A namespace-wide emit still goes out natively, after the room messages.
      const everyone = nextEvent(target, "all");
      outsider.emit("all", "end");
      expect(await everyone).toEqual(["end"]);
      expect(await count()).toBe(before + 1);
      expect(got.get(outsider)).toEqual([]);
    });

    it("a socket that leaves its namespace, its WebSocket still open, gets none of its broadcasts", async () => {
      // A raw client: it can leave "/" (41) and stay connected, and every frame is seen.
      const raw = new WsClient(`${url.replace("http", "ws")}socket.io/?EIO=4&transport=websocket`);
      const frames: string[] = [];
      raw.on("message", (data) => {
        const frame = String(data);
        frames.push(frame);
        if (frame === "2") raw.send("3");
      });
      const frame = (test: (f: string) => boolean, what: string) =>
        waitFor(() => frames.some(test), what);
      await within(new Promise((r) => raw.once("open", r)), "raw open");
      raw.send("40");
      await frame((f) => f.startsWith("40{"), "CONNECT answer");
      raw.send('421["join","left-behind"]');
      await frame((f) => f === "431[]", "join ack");
      const other = await connect(url, "official", ["websocket"]);
      // Still in the namespace: both kinds of broadcast reach it natively.
      other.emit("to-room", "left-behind", "before");
      other.emit("all", "before");
      await frame((f) => f === '42["all","before"]', "the broadcast before leaving");
      expect(frames).toContain('42["room","before"]');
      raw.send("41");
      const seen = frames.length;
      other.emit("to-room", "left-behind", "after");
      const everyone = nextEvent(other, "all");
      other.emit("all", "after");
      expect(await everyone).toEqual(["after"]);
      // Both were sent by now; the raw client joins again, and the answer comes on its own
      // connection after anything sent to it before.
      raw.send("40");
      await waitFor(() => frames.slice(seen).some((f) => f.startsWith("40{")), "CONNECT again");
      const since = frames.slice(seen);
      expect(
        since.slice(
          0,
          since.findIndex((f) => f.startsWith("40{")),
        ),
      ).toEqual([]);
      raw.close();
    });

    it("upgrades from polling to Bun's WebSocket, and the session carries on", async () => {
      const socket = await connect(url, "official", ["polling", "websocket"]);
      await waitFor(
        () =>
          (socket.io.engine as unknown as { transport: { name: string } }).transport.name ===
          "websocket",
        "the client's upgrade",
      );
      const name = await within(
        new Promise<string>((resolve) => socket.emit("transport", resolve)),
        "transport name",
      );
      expect(name).toBe("websocket");
    });

    it("refuses bad requests with engine.io's status and JSON body", async () => {
      const base = `${url}socket.io/`;
      const unknownTransport = await fetch(`${base}?EIO=4&transport=carrier-pigeon`);
      expect(unknownTransport.status).toBe(400);
      expect(await unknownTransport.json()).toEqual({ code: 0, message: "Transport unknown" });
      const unknownSid = await fetch(`${base}?EIO=4&transport=polling&sid=nope`);
      expect(unknownSid.status).toBe(400);
      expect(await unknownSid.json()).toEqual({ code: 1, message: "Session ID unknown" });
      const v3 = await fetch(`${base}?EIO=3&transport=polling`);
      expect(v3.status).toBe(400);
      expect(await v3.json()).toEqual({ code: 5, message: "Unsupported protocol version" });
      const badMethod = await fetch(`${base}?EIO=4&transport=polling`, { method: "PUT" });
      expect(badMethod.status).toBe(400);
      expect((await badMethod.json()).code).toBe(2);
    });

    it("socket.request and socket.handshake read as on Node", async () => {
      const socket = officialIo(url, {
        forceNew: true,
        reconnection: false,
        transports: ["websocket"],
        extraHeaders: { "X-Test-Agent": "bun-test" },
      }) as Socket;
      open.add(socket);
      await nextEvent(socket, "welcome");
      const seen = await within(
        new Promise<Record<string, unknown>>((resolve) => socket.emit("request", resolve)),
        "request",
      );
      expect(seen).toMatchObject({
        agent: "bun-test",
        handshakeAgent: "bun-test",
        rawHeaders: true,
        // The Fetch request is not kept for the session's life.
        raw: "undefined",
        query: "4",
      });
      // "::ffff:127.0.0.1" on a dual-stack listener (io.listen), as on Node.
      expect(seen.address).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(seen.url).toMatch(/^\/socket\.io\/\?EIO=4&transport=websocket/);
    });

    it("gives each socket its own handshake headers, as sent, when clients send the same", async () => {
      // Sessions whose clients sent the same headers share them but for their
      // sec-websocket-key, and get them back on first read (request-record.ts): each must read
      // exactly what its own client sent, one object for handshake and request, unaffected by
      // another socket changing its own.
      type Seen = {
        headers: Record<string, string>;
        names: string[];
        same: boolean;
        accept: string;
      };
      const seen: { accept: string; answer: Seen }[] = [];
      for (let i = 0; i < 4; i++) {
        const raw = new WsClient(
          `${url.replace("http", "ws")}socket.io/?EIO=4&transport=websocket`,
          {
            headers: { "X-Test-Agent": "bun-test", "X-Second": "two" },
          },
        );
        const accepted = new Promise<string>((resolve) =>
          raw.once("upgrade", (res) => resolve(String(res.headers["sec-websocket-accept"]))),
        );
        const frames: string[] = [];
        raw.on("message", (data) => frames.push(String(data)));
        await within(new Promise((r) => raw.once("open", r)), "raw open");
        raw.send("40");
        await waitFor(() => frames.some((f) => f.startsWith("40{")), "CONNECT answer");
        // Sockets 0 and 2 change their own headers before the next ones connect.
        raw.send(`421["headers",${i % 2 === 0 ? '"changed"' : "null"}]`);
        await waitFor(() => frames.some((f) => f.startsWith("431[")), "headers ack");
        const ack = frames.find((f) => f.startsWith("431[")) as string;
        seen.push({
          accept: await accepted,
          answer: (JSON.parse(ack.slice(3)) as Seen[])[0] as Seen,
        });
        raw.close();
      }
      const first = seen[0]?.answer as Seen;
      const keys = new Set<string>();
      for (const { accept, answer } of seen) {
        // Its own key: the 101 its client got was computed from it.
        expect(answer.accept).toBe(accept);
        keys.add(answer.headers["sec-websocket-key"] as string);
        expect(answer.same).toBe(true);
        expect(answer.names).toEqual(first.names);
        expect(answer.names).toEqual(expect.arrayContaining(["x-test-agent", "x-second", "host"]));
        expect(answer.headers["x-second"]).toBe("two");
      }
      expect(keys.size).toBe(seen.length);
      for (const [i, { answer }] of seen.entries()) {
        expect(answer.headers["x-test-agent"]).toBe(i % 2 === 0 ? "changed" : "bun-test");
        expect({ ...answer.headers, "sec-websocket-key": "" }).toEqual({
          ...first.headers,
          "x-test-agent": answer.headers["x-test-agent"],
          "sec-websocket-key": "",
        });
      }
    });

    it("serves the client bundle, with its ETag", async () => {
      const bundle = await fetch(`${url}socket.io/socket.io.js`);
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
      expect((await bundle.text()).length).toBeGreaterThan(1000);
      const etag = bundle.headers.get("etag") ?? "";
      const again = await fetch(`${url}socket.io/socket.io.js`, {
        headers: { "If-None-Match": etag },
      });
      expect(again.status).toBe(304);
      const other = await fetch(`${url}not-socket-io`);
      expect(other.status).toBe(404);
    });

    it("answers CORS preflights and adds the headers to polling answers", async () => {
      const base = `${url}socket.io/?EIO=4&transport=polling`;
      const preflight = await fetch(base, {
        method: "OPTIONS",
        headers: { Origin: "http://example.test", "Access-Control-Request-Method": "GET" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
      const handshake = await fetch(base, { headers: { Origin: "http://example.test" } });
      expect(handshake.status).toBe(200);
      expect(handshake.headers.get("access-control-allow-origin")).toBe("*");
      expect(await handshake.text()).toMatch(/^0\{"sid":"[\w-]{20,}"/);
    });

    it("ends a session whose POST is over maxHttpBufferSize with 413, and no other", async () => {
      const keeper = await connect(url, "official", ["websocket"]);
      const base = `${url}socket.io/?EIO=4&transport=polling`;
      const open = await (await fetch(base)).text();
      const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
      const big = await fetch(`${base}&sid=${sid}`, {
        method: "POST",
        headers: { "Content-Type": "text/plain;charset=UTF-8" },
        body: `4${"x".repeat(20_000)}`,
      });
      expect(big.status).toBe(413);
      expect((await big.json()).code).toBe(3);
      const after = await fetch(`${base}&sid=${sid}`);
      expect(after.status).toBe(400);
      const reply = await within(
        new Promise<unknown[]>((resolve) =>
          keeper.emit("echo", "still here", (...a: unknown[]) => resolve(a)),
        ),
        "the other session",
      );
      expect(reply).toEqual(["still here"]);
    });

    it("closes a WebSocket whose message is over maxHttpBufferSize, and no other", async () => {
      const keeper = await connect(url, "official", ["websocket"]);
      const victim = await connect(url, "official", ["websocket"]);
      const gone = nextEvent(victim, "disconnect");
      victim.emit("echo", "x".repeat(20_000), () => {});
      const [reason] = await gone;
      expect(reason).toBe("transport close");
      const reply = await within(
        new Promise<unknown[]>((resolve) =>
          keeper.emit("echo", "still here", (...a: unknown[]) => resolve(a)),
        ),
        "the other session",
      );
      expect(reply).toEqual(["still here"]);
    });
  });
}

describe("Parley on Bun: a long-polling GET outlives Bun's 10 s HTTP idle timeout", () => {
  let server: ServerProcess;

  beforeAll(async () => {
    // The first ping is due after 12 s: until then the client's GET waits for an answer.
    server = await startBunServer(APP, { FRONT: "listen", PING_INTERVAL: "12000" });
  });
  afterAll(async () => {
    for (const socket of open) socket.disconnect();
    open.clear();
    await server?.kill();
  });

  it("keeps the session through the first ping", { timeout: 40_000 }, async () => {
    const socket = await connect(server.url, "official", ["polling"]);
    const gone: string[] = [];
    socket.on("disconnect", (reason: string) => gone.push(reason));
    await within(
      new Promise<void>((resolve) => socket.io.engine.once("ping", () => resolve())),
      "the first ping",
      30_000,
    );
    const reply = await within(
      new Promise<unknown[]>((resolve) =>
        socket.emit("echo", "after the ping", (...a: unknown[]) => resolve(a)),
      ),
      "echo after the ping",
    );
    expect(reply).toEqual(["after the ping"]);
    expect(gone).toEqual([]);
  });
});

describe("Parley on Bun with a packet hook", () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startBunServer(APP, { FRONT: "listen", PACKET_HOOK: "1" });
  });
  afterAll(async () => {
    for (const socket of open) socket.disconnect();
    open.clear();
    await server?.kill();
  });

  it("delivers room broadcasts one by one, so the hook sees every packet", async () => {
    const [a, b] = await Promise.all([
      connect(server.url, "official", ["websocket"]),
      connect(server.url, "parley", ["websocket"]),
    ]);
    for (const member of [a, b]) {
      await within(new Promise((r) => member.emit("join", "hooked-room", r)), "join");
    }
    const ask = (event: string) => within(new Promise<number>((r) => a.emit(event, r)), event);
    const [publishes, hooked] = [await ask("publishes"), await ask("hooked")];
    const got: unknown[] = [];
    b.on("room", (n: unknown) => got.push(n));
    for (let i = 0; i < 5; i++) a.emit("to-room", "hooked-room", i);
    await waitFor(() => got.length === 5, "5 room messages");
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(await ask("publishes")).toBe(publishes);
    // 5 broadcasts to 2 members, plus the acks of the asks in between.
    expect((await ask("hooked")) - hooked).toBeGreaterThanOrEqual(10);
  });
});

describe("Parley on Bun with allowEIO3: socket.io-client 2.x", () => {
  let server: ServerProcess;
  const old: SocketClientV2[] = [];

  beforeAll(async () => {
    server = await startBunServer(APP, { FRONT: "listen", ALLOW_EIO3: "1" });
  });
  afterAll(async () => {
    for (const socket of old) socket.close();
    await server?.kill();
  });

  for (const [mode, transports] of MODES) {
    it(`${mode}: acks, binary and room broadcasts`, async () => {
      const client = ioV2(server.url, { forceNew: true, reconnection: false, transports });
      old.push(client);
      await within(
        new Promise<void>((resolve) => client.once("welcome", () => resolve())),
        "welcome (v2 client)",
      );
      const reply = await within(
        new Promise<unknown[]>((resolve) =>
          client.emit("echo", "v2", { n: 1 }, (...back: unknown[]) => resolve(back)),
        ),
        "echo",
      );
      expect(reply).toEqual(["v2", { n: 1 }]);
      const bytes = await within(
        new Promise<unknown>((resolve) => client.emit("binary", resolve)),
        "binary ack",
      );
      expect(new Uint8Array(bytes as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));
      await within(new Promise((r) => client.emit("join", "v2-room", r)), "join");
      const got = within(
        new Promise<unknown[]>((resolve) =>
          client.once("room", ((...a: unknown[]) => resolve(a)) as never),
        ),
        "room message",
      );
      client.emit("to-room", "v2-room", "hello v2");
      expect(await got).toEqual(["hello v2"]);
    });
  }
});

describe("Parley on Bun with a restricted CORS origin", () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startBunServer(APP, { FRONT: "listen", CORS_ORIGIN: "http://allowed.test" });
  });
  afterAll(async () => {
    await server?.kill();
  });

  /** The status of a WebSocket handshake sent with `origin` (101 when accepted). */
  function upgradeStatus(origin: string): Promise<number> {
    const url = `${server.url.replace("http", "ws")}socket.io/?EIO=4&transport=websocket`;
    const ws = new WsClient(url, { headers: { Origin: origin } });
    return within(
      new Promise<number>((resolve) => {
        ws.once("upgrade", (res) => {
          resolve(res.statusCode ?? 0);
          ws.close();
        });
        ws.once("unexpected-response", (_req, res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
        });
        ws.once("error", () => {});
      }),
      `a WebSocket handshake from ${origin}`,
    );
  }

  it("refuses polling and WebSocket handshakes from other origins with 403", async () => {
    const base = `${server.url}socket.io/?EIO=4&transport=polling`;
    const refused = await fetch(base, { headers: { Origin: "http://evil.test" } });
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).toBe(4);
    const allowed = await fetch(base, { headers: { Origin: "http://allowed.test" } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://allowed.test");
    await allowed.text();
    // Browsers apply no CORS to WebSocket: the engine does.
    expect(await upgradeStatus("http://evil.test")).toBe(403);
    expect(await upgradeStatus("http://allowed.test")).toBe(101);
  });
});

describe("Parley on Bun: the heartbeat", () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startBunServer(APP, {
      FRONT: "listen",
      PING_INTERVAL: "300",
      PING_TIMEOUT: "200",
    });
  });
  afterAll(async () => {
    for (const socket of open) socket.disconnect();
    open.clear();
    await server?.kill();
  });

  it("pings a raw WebSocket peer and closes it when no pong comes back", async () => {
    const url = `${server.url.replace("http", "ws")}socket.io/?EIO=4&transport=websocket`;
    const ws = new WsClient(url);
    const frames: string[] = [];
    ws.on("message", (data) => frames.push(String(data)));
    const closed = within(
      new Promise<void>((resolve) => ws.once("close", () => resolve())),
      "the server closing a silent peer",
    );
    await closed;
    expect(frames[0]).toMatch(/^0\{"sid":/);
    // One ping, unanswered, then the close: nothing else was sent.
    expect(frames.slice(1)).toEqual(["2"]);
  });

  it("keeps a peer that answers its pings", async () => {
    const socket = await connect(server.url, "official", ["websocket"]);
    let pings = 0;
    socket.io.engine.on("ping", () => pings++);
    await waitFor(() => pings >= 3, "three pings answered");
    expect(socket.connected).toBe(true);
  });
});

describe("Parley on Bun with sessionBinding: cookie", () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startBunServer(APP, { FRONT: "listen", SESSION_BINDING: "cookie" });
  });
  afterAll(async () => {
    await server?.kill();
  });

  it("refuses a request naming the session without its binding cookie (403, code 4)", async () => {
    const base = `${server.url}socket.io/?EIO=4&transport=polling`;
    const handshake = await fetch(base);
    const sid = (JSON.parse((await handshake.text()).slice(1)) as { sid: string }).sid;
    const bound = handshake.headers
      .getSetCookie()
      .find((c) => c.startsWith("io_bind="))
      ?.split(";")[0];
    expect(bound).toMatch(/^io_bind=[\w-]+\.[\w-]+$/);
    const stolen = await fetch(`${base}&sid=${sid}`, {
      method: "POST",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: "1",
    });
    expect(stolen.status).toBe(403);
    expect(await stolen.json()).toEqual({ code: 4, message: "Session binding mismatch" });
    // The session goes on for its owner.
    const owner = await fetch(`${base}&sid=${sid}`, {
      method: "POST",
      headers: { "Content-Type": "text/plain;charset=UTF-8", Cookie: bound as string },
      body: '40{"token":"x"}',
    });
    expect(owner.status).toBe(200);
    expect(await owner.text()).toBe("ok");
  });
});
