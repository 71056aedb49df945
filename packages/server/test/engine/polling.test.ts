import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import {
  delay,
  type Harness,
  once,
  pollingHandshake,
  pollingSession,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

afterEach(runCleanups);

function get(h: Harness, sid: string, init?: RequestInit) {
  return fetch(h.url(`transport=polling&sid=${sid}`), init);
}

function post(
  h: Harness,
  sid: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
) {
  return fetch(h.url(`transport=polling&sid=${sid}`), { method: "POST", body, headers });
}

describe("long-polling", () => {
  it("a GET waits for packets and returns everything sent in one tick as one batch", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const pending = get(h, sid);
    await delay(20);
    conn.send("a");
    conn.send(Buffer.from([1, 2, 3]));
    conn.send("b");
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("4a\x1ebAQID\x1e4b");
  });

  it("packets queued while no GET is waiting are returned by the next GET, in order", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    for (let i = 0; i < 5; i++) conn.send(`m${i}`);
    expect(await (await get(h, sid)).text()).toBe("4m0\x1e4m1\x1e4m2\x1e4m3\x1e4m4");
  });

  it("a POST delivers a batch in order and is answered ok as text/html", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const got: unknown[] = [];
    conn.on("message", (d) => got.push(d));
    const res = await post(h, sid, "4hello\x1ebAQID\x1e4wörld");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html");
    expect(await res.text()).toBe("ok");
    expect(got[0]).toBe("hello");
    expect(Buffer.isBuffer(got[1])).toBe(true);
    expect([...(got[1] as Buffer)]).toEqual([1, 2, 3]);
    expect(got[2]).toBe("wörld");
  });

  it("echo over polling", async () => {
    const h = await startEngine();
    h.engine.on("connection", (s) => s.on("message", (d) => s.send(d)));
    const { sid } = await pollingHandshake(h);
    const pending = get(h, sid);
    await post(h, sid, "4ping-me");
    expect(await (await pending).text()).toBe("4ping-me");
  });

  it("a second concurrent GET ends the session with transport error", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const closed = once(conn, "close");
    const first = get(h, sid);
    // The second GET must find the first one waiting on the server.
    await until(() => conn.writable);
    const second = await get(h, sid);
    expect(second.status).toBe(400);
    expect(await closed).toBe("transport error");
    // The first GET is answered with a close packet.
    expect(await (await first).text()).toBe("1");
    expect(h.engine.clientsCount).toBe(0);
  });

  it("a GET cancelled by the client ends the session with transport error", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const closed = once(conn, "close");
    const ac = new AbortController();
    const pending = get(h, sid, { signal: ac.signal }).catch(() => "aborted");
    await until(() => conn.writable);
    ac.abort();
    expect(await pending).toBe("aborted");
    expect(await closed).toBe("transport error");
  });

  it("a POST larger than maxHttpBufferSize → 413 and the session ends; others go on", async () => {
    const h = await startEngine({ maxHttpBufferSize: 1000 });
    const a = await pollingSession(h);
    const b = await pollingSession(h);
    const closed = once(a.conn, "close");
    const res = await post(h, a.sid, `4${"x".repeat(5000)}`);
    expect(res.status).toBe(413);
    expect(await closed).toBe("transport error");
    const ok = await post(h, b.sid, "4still here");
    expect(ok.status).toBe(200);
  });

  it("a chunked POST that grows past maxHttpBufferSize → 413", async () => {
    const h = await startEngine({ maxHttpBufferSize: 1000 });
    const { sid, conn } = await pollingSession(h);
    const closed = once(conn, "close");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(h.url(`transport=polling&sid=${sid}`), { method: "POST" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.write(`4${"y".repeat(600)}`);
      setTimeout(() => req.end("z".repeat(600)), 10);
    });
    expect(status).toBe(413);
    expect(await closed).toBe("transport error");
  });

  it("POST application/octet-stream → 400 JSON, that session ends, no crash", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const closed = once(conn, "close");
    const res = await post(h, sid, new Uint8Array([0, 1, 2]), {
      "Content-Type": "application/octet-stream",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: number }).code).toBe(3);
    expect(await closed).toBe("transport error");
    expect((await pollingHandshake(h)).sid).toBeTruthy();
  });

  it("a body of thousands of tiny packets is bounded by maxPayloadPackets", async () => {
    const h = await startEngine({ maxPayloadPackets: 1000 });
    const small = await pollingSession(h);
    let count = 0;
    small.conn.on("message", () => count++);
    const fine = await post(h, small.sid, Array(1000).fill("4x").join("\x1e"));
    expect(fine.status).toBe(200);
    expect(count).toBe(1000);
    const big = await pollingSession(h);
    const closed = once(big.conn, "close");
    let bigCount = 0;
    big.conn.on("message", () => bigCount++);
    const res = await post(h, big.sid, Array(50_000).fill("6").join("\x1e"));
    expect(res.status).toBe(400);
    expect(await closed).toBe("parse error");
    expect(bigCount).toBe(0);
  });

  it("a garbage packet (unknown type) → parse error, nothing delivered", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const got: unknown[] = [];
    conn.on("message", (d) => got.push(d));
    const closed = once(conn, "close");
    const res = await post(h, sid, "4fine\x1e9garbage");
    expect(res.status).toBe(400);
    expect(await closed).toBe("parse error");
    expect(got).toEqual([]);
  });

  it("invalid base64 binary → parse error", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const closed = once(conn, "close");
    await post(h, sid, "b!!!not base64");
    expect(await closed).toBe("parse error");
  });

  it("a close packet from the client → transport close", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const closed = once(conn, "close");
    const res = await post(h, sid, "1");
    expect(res.status).toBe(200);
    expect(await closed).toBe("transport close");
  });

  it("a ping from the client (wrong direction) → transport error", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const closed = once(conn, "close");
    await post(h, sid, "2");
    expect(await closed).toBe("transport error");
  });

  it("conn.close() answers the next GET with what was queued, the one after with a close", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const reasons: string[] = [];
    conn.on("close", (r) => reasons.push(r));
    conn.send("bye");
    conn.close();
    expect(conn.readyState).toBe("closing");
    conn.send("dropped");
    expect(await (await get(h, sid)).text()).toBe("4bye");
    expect(reasons).toEqual([]);
    expect(await (await get(h, sid)).text()).toBe("6\x1e1");
    expect(reasons).toEqual(["forced close"]);
    expect(conn.readyState).toBe("closed");
    expect((await get(h, sid)).status).toBe(400);
  });

  it("conn.close() with a GET waiting answers it right away", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const pending = get(h, sid);
    await delay(20);
    conn.close();
    expect(await (await pending).text()).toBe("1");
    expect(conn.readyState).toBe("closed");
  });

  it("after close, send is a no-op and no event fires", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const events: string[] = [];
    conn.on("message", () => events.push("message"));
    conn.on("close", () => events.push("close"));
    h.engine.close();
    conn.send("x");
    conn.close();
    expect((await post(h, sid, "4late")).status).toBe(400);
    expect(events).toEqual(["close"]);
  });

  it("gzip-compresses large responses when the client accepts it", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const big = "z".repeat(5000);
    conn.send(big);
    const raw = await new Promise<{ enc: string | undefined; body: Buffer }>((resolve, reject) => {
      request(
        h.url(`transport=polling&sid=${sid}`),
        { headers: { "Accept-Encoding": "gzip" } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () =>
            resolve({ enc: res.headers["content-encoding"], body: Buffer.concat(chunks) }),
          );
        },
      )
        .on("error", reject)
        .end();
    });
    expect(raw.enc).toBe("gzip");
    expect(raw.body.length).toBeLessThan(5000);
    expect(gunzipSync(raw.body).toString()).toBe(`4${big}`);
    // Small responses and compress:false sends are not compressed.
    conn.send("small");
    const res = await new Promise<string | undefined>((resolve) => {
      request(
        h.url(`transport=polling&sid=${sid}`),
        { headers: { "Accept-Encoding": "gzip" } },
        (r) => {
          r.resume();
          resolve(r.headers["content-encoding"]);
        },
      ).end();
    });
    expect(res).toBeUndefined();
  });

  it("httpCompression: false never compresses", async () => {
    const h = await startEngine({ httpCompression: false });
    const { sid, conn } = await pollingSession(h);
    conn.send("z".repeat(5000));
    const enc = await new Promise<string | undefined>((resolve) => {
      request(
        h.url(`transport=polling&sid=${sid}`),
        { headers: { "Accept-Encoding": "gzip, deflate" } },
        (r) => {
          r.resume();
          resolve(r.headers["content-encoding"]);
        },
      ).end();
    });
    expect(enc).toBeUndefined();
  });

  it("volatile sends are dropped while no GET is waiting, delivered while one is", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    conn.send("lost", { volatile: true });
    conn.send("kept");
    expect(await (await get(h, sid)).text()).toBe("4kept");
    const pending = get(h, sid);
    const transport = h.engine.clients.get(sid)?.transport;
    await until(() => transport?.writable === true);
    conn.send("now", { volatile: true });
    expect(await (await pending).text()).toBe("4now");
  });

  it("emits drain after a polling response is written", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    let drains = 0;
    conn.on("drain", () => drains++);
    conn.send("x");
    await (await get(h, sid)).text();
    expect(drains).toBe(1);
  });
});
