// Front conformance: what goes over the wire when all is well (handshake, payloads, binary,
// the upgrade, headers, compression).
import { get as httpGet } from "node:http";
import { gunzipSync, inflateSync } from "node:zlib";
import { io as officialIo } from "socket.io-client";
import { expect } from "vitest";
import {
  eioUrl,
  frame,
  get,
  getPackets,
  handshake,
  openWs,
  parseUpgrade,
  post,
  rawUpgrade,
  SEP,
  until,
} from "../front-protocol.js";
import { type CaseContext, COOKIE, expectError, GOOD, MAX, pollingSocket } from "./shared.js";

/** Run against DEFAULTS. */
export function wireCases(ctx: CaseContext): void {
  const { test, server, base, event } = ctx;
  test("polling handshake: OPEN packet fields, content type, cookie", async () => {
    const { res, open } = await handshake(base());
    expect(open).toEqual({
      sid: expect.any(String),
      upgrades: ["websocket"],
      pingInterval: 25_000,
      pingTimeout: 20_000,
      maxPayload: MAX,
    });
    expect(res.headers.get("content-type")).toBe("text/plain; charset=UTF-8");
    expect(res.headers.get("set-cookie")).toBe(
      `${COOKIE}=${open.sid}; Path=/; HttpOnly; SameSite=Strict`,
    );
  });

  test("GET/POST round trip, several packets in one payload, base64 binary", async () => {
    const sid = await pollingSocket(base());
    const two = `420["echo","a"]${SEP}421["echo","b",2]`;
    expect(await post(base(), sid, two)).toEqual({ status: 200, body: "ok" });
    expect(await getPackets(base(), sid, 2)).toEqual(['430["a"]', '431["b",2]']);
    // A binary attachment travels as a base64 `b` packet, both ways.
    const binary = `451-2["echo",{"_placeholder":true,"num":0}]${SEP}bAQID`;
    expect(await post(base(), sid, binary)).toEqual({ status: 200, body: "ok" });
    expect(await getPackets(base(), sid, 2)).toEqual([
      '461-2[{"_placeholder":true,"num":0}]',
      "bAQID",
    ]);
  });

  test("WebSocket only: OPEN without upgrades, binary frames both ways, cookie", async () => {
    const c = await openWs(base(), "transport=websocket");
    const open = (await frame(c, 0)).data as string;
    expect(open[0]).toBe("0");
    expect(JSON.parse(open.slice(1))).toMatchObject({ upgrades: [], maxPayload: MAX });
    c.ws.send("40");
    expect((await frame(c, 1)).data).toMatch(/^40\{"sid":"[^"]+"/);
    c.ws.send('451-0["echo",{"_placeholder":true,"num":0}]');
    c.ws.send(Buffer.from([1, 2, 3]));
    expect(await frame(c, 2)).toEqual({
      data: '461-0[{"_placeholder":true,"num":0}]',
      binary: false,
    });
    expect(await frame(c, 3)).toEqual({ data: Buffer.from([1, 2, 3]), binary: true });
    c.ws.close();
    // As engine.io: the `cookie` option sets it on polling handshakes only (its WebSocket
    // transport emits no "headers"), so a WebSocket-only handshake's 101 has none.
    const up = parseUpgrade(await rawUpgrade(server().port, "EIO=4&transport=websocket"));
    expect(up.status).toBe(101);
    expect(up.headers.get("set-cookie")).toBeUndefined();
  });

  test("upgrade: probe, pending GET released with a noop, then WebSocket only", async () => {
    const sid = await pollingSocket(base());
    const pending = get(base(), sid);
    const c = await openWs(base(), `transport=websocket&sid=${sid}`);
    c.ws.send("2probe");
    expect((await frame(c, 0)).data).toBe("3probe");
    expect(await pending).toEqual({ status: 200, body: "6" });
    // While probing, a new GET is answered with a noop at once.
    expect(await get(base(), sid)).toEqual({ status: 200, body: "6" });
    c.ws.send("5");
    await event((e) => e.type === "upgrade" && e.sid === sid, "the server's upgrade event");
    c.ws.send('420["transport"]');
    expect((await frame(c, 1)).data).toBe('430["websocket"]');
    // Polling for an upgraded session is a bad request.
    await expectError(
      await fetch(eioUrl(base(), `transport=polling&sid=${sid}`)),
      400,
      3,
      "Bad request",
    );
    // A second WebSocket for the upgraded session is accepted, then closed (as engine.io).
    const second = await openWs(base(), `transport=websocket&sid=${sid}`);
    await second.closed;
    expect(second.frames).toEqual([]);
    // The first one carries the session as before.
    c.ws.send('421["echo","still"]');
    expect((await frame(c, 2)).data).toBe('431["still"]');
    c.ws.close();
  });

  test("packets queued while probing go out on the WebSocket after the upgrade, in order", async () => {
    const sid = await pollingSocket(base());
    const c = await openWs(base(), `transport=websocket&sid=${sid}`);
    c.ws.send("2probe");
    expect((await frame(c, 0)).data).toBe("3probe");
    // Still polling: the burst is queued for a GET that never comes, then moves to the
    // WebSocket with the upgrade.
    expect(await post(base(), sid, '42["burst",50]')).toEqual({ status: 200, body: "ok" });
    // Not a bound: a moment for the burst to be queued (were it not, it would go straight
    // to the WebSocket, and the test would still hold).
    await new Promise((resolve) => setTimeout(resolve, 50));
    c.ws.send("5");
    await until(() => c.frames.length >= 51, "the 50 queued packets");
    const numbers = c.frames
      .slice(1)
      .map((f) => f.data as string)
      .filter((d) => d !== "6")
      .map((d) => (JSON.parse(d.slice(2)) as [string, number])[1]);
    expect(numbers).toEqual([...Array(50).keys()]);
    c.ws.close();
  });

  for (const transport of ["polling", "websocket"] as const) {
    test(`socket.handshake: headers, address, xdomain, url, query, auth (${transport})`, async () => {
      const c = officialIo(base(), {
        forceNew: true,
        reconnection: false,
        transports: [transport],
        extraHeaders: { Origin: GOOD, "X-Test": "yes" },
        query: { custom: "1" },
        auth: { token: "t" },
      });
      try {
        const handshake = await new Promise<Record<string, unknown>>((resolve, reject) => {
          c.once("connect_error", reject);
          c.emit("handshake", resolve);
        });
        expect(handshake).toEqual({
          headers: expect.objectContaining({
            host: `127.0.0.1:${server().port}`,
            origin: GOOD,
            "x-test": "yes",
          }),
          address: "127.0.0.1",
          xdomain: true,
          secure: false,
          issued: "number",
          url: expect.stringMatching(/^\/socket\.io\/\?.*custom=1/),
          query: expect.objectContaining({ custom: "1", EIO: "4", transport }),
          auth: { token: "t" },
        });
      } finally {
        c.disconnect();
      }
    });
  }

  test("initial_headers and headers listeners: handshakes, later requests, 101s", async () => {
    const { res, open } = await handshake(base());
    expect([res.headers.get("x-initial"), res.headers.get("x-every")]).toEqual(["1", "1"]);
    const later = await fetch(eioUrl(base(), `transport=polling&sid=${open.sid}`), {
      method: "POST",
      body: "40",
    });
    expect([later.headers.get("x-initial"), later.headers.get("x-every")]).toEqual([null, "1"]);
    const first = parseUpgrade(await rawUpgrade(server().port, "EIO=4&transport=websocket"));
    expect([first.headers.get("x-initial"), first.headers.get("x-every")]).toEqual(["1", "1"]);
    const upgrade = parseUpgrade(
      await rawUpgrade(server().port, `EIO=4&transport=websocket&sid=${open.sid}`),
    );
    expect(upgrade.status).toBe(101);
    expect([upgrade.headers.get("x-initial"), upgrade.headers.get("x-every")]).toEqual([
      undefined,
      "1",
    ]);
  });

  test("httpCompression: a large polling response is gzipped when the client asks", async () => {
    const sid = await pollingSocket(base());
    const raw = (encoding: string | undefined) =>
      new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
        const headers: Record<string, string> =
          encoding === undefined ? {} : { "Accept-Encoding": encoding };
        httpGet(eioUrl(base(), `transport=polling&sid=${sid}`), { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }),
          );
        }).on("error", reject);
      });
    const expected = `430["${"x".repeat(3000)}"]`;
    await post(base(), sid, '420["big",3000]');
    const gzipped = await raw("gzip, deflate");
    expect(gzipped.encoding).toBe("gzip");
    expect(gunzipSync(gzipped.body).toString()).toBe(expected);
    await post(base(), sid, '422["big",3000]');
    const deflated = await raw("deflate");
    expect(deflated.encoding).toBe("deflate");
    expect(inflateSync(deflated.body).toString()).toBe(expected.replace("430", "432"));
    await post(base(), sid, '421["big",3000]');
    const plain = await raw(undefined);
    expect(plain.encoding).toBeUndefined();
    expect(plain.body.toString()).toBe(expected.replace("430", "431"));
  });
}
