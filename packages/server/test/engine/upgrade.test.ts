import { afterEach, describe, expect, it } from "vitest";
import type { EngineConnection } from "../../src/engine/index.js";
import {
  delay,
  type Harness,
  once,
  openProbe,
  pollingSession,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

afterEach(runCleanups);

function get(h: Harness, sid: string) {
  return fetch(h.url(`transport=polling&sid=${sid}`)).then(async (r) => ({
    status: r.status,
    body: await r.text(),
  }));
}

describe("upgrade from polling to websocket", () => {
  it("the probe dance: 2probe → 3probe, pending GET gets noop, 5 switches; polling refused after", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const events: string[] = [];
    conn.on("upgrading", (t) => events.push(`upgrading:${t.name}`));
    conn.on("upgrade", (t) => events.push(`upgrade:${t.name}`));
    const pendingGet = get(h, sid);
    await delay(20);
    const { ws, frames } = await openProbe(h, sid);
    ws.send("2probe");
    await until(() => frames.length === 1);
    expect(frames[0]?.toString()).toBe("3probe");
    expect(events).toEqual(["upgrading:websocket"]);
    expect(await pendingGet).toEqual({ status: 200, body: "6" });
    // While probing, a new GET is released with a noop right away.
    expect(await get(h, sid)).toEqual({ status: 200, body: "6" });
    ws.send("5");
    await until(() => conn.transport.name === "websocket");
    expect(events).toEqual(["upgrading:websocket", "upgrade:websocket"]);
    conn.send("over ws");
    await until(() => frames.length === 2);
    expect(frames[1]?.toString()).toBe("4over ws");
    const got = once<string>(conn, "message");
    ws.send("4from client");
    expect(await got).toBe("from client");
    // Polling for an upgraded session is refused.
    const refused = await fetch(h.url(`transport=polling&sid=${sid}`));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ code: 3, message: "Bad request" });
    const refusedPost = await fetch(h.url(`transport=polling&sid=${sid}`), {
      method: "POST",
      body: "4x",
    });
    expect(refusedPost.status).toBe(400);
    expect(conn.readyState).toBe("open");
    ws.close();
  });

  it("send order is preserved across the upgrade", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    conn.send("m1");
    conn.send("m2");
    const first = await get(h, sid);
    expect(first.body).toBe("4m1\x1e4m2");
    const { ws, frames } = await openProbe(h, sid);
    conn.send("m3");
    ws.send("2probe");
    await until(() => frames.length === 1);
    // Held back during the probe (not given to polling), then flushed on the websocket.
    conn.send("m4");
    const released = await get(h, sid);
    // m3 may already have left on polling before the probe; m4 must not have.
    const viaPolling = released.body === "6" ? [] : released.body.split("\x1e");
    ws.send("5");
    conn.send("m5");
    await until(() => frames.length >= 1 + 3 - viaPolling.length);
    const viaWs = frames.slice(1).map((f) => f.toString());
    const all = [...viaPolling.filter((p) => p !== "6"), ...viaWs];
    expect(all).toEqual(["4m3", "4m4", "4m5"]);
    ws.close();
  });

  it("a stalled probe is closed after upgradeTimeout; the session stays on polling", async () => {
    const h = await startEngine({ upgradeTimeout: 100 });
    const { sid, conn } = await pollingSession(h);
    const { ws } = await openProbe(h, sid);
    const wsClosed = once(ws, "close");
    await wsClosed;
    expect(conn.readyState).toBe("open");
    expect(conn.transport.name).toBe("polling");
    conn.send("still polling");
    expect((await get(h, sid)).body).toBe("4still polling");
  });

  it("a stalled probe after 2probe releases held packets back to polling", async () => {
    const h = await startEngine({ upgradeTimeout: 150 });
    const { sid, conn } = await pollingSession(h);
    const { ws, frames } = await openProbe(h, sid);
    ws.send("2probe");
    await until(() => frames.length === 1);
    conn.send("held");
    await once(ws, "close");
    expect((await get(h, sid)).body).toBe("4held");
  });

  it("a probe that sends something else than 2probe/5 is dropped, the session lives", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const { ws } = await openProbe(h, sid);
    const closed = once(ws, "close");
    ws.send("4not a probe");
    await closed;
    expect(conn.readyState).toBe("open");
    expect(conn.transport.name).toBe("polling");
  });

  it("closing the session during a probe closes the probe too", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const { ws } = await openProbe(h, sid);
    const closed = once(ws, "close");
    (conn as EngineConnection).close();
    await closed;
    expect(conn.readyState).not.toBe("open");
  });

  it("heartbeats keep working after the upgrade", async () => {
    // A short interval so beats come quickly; a long timeout so a loaded machine (the polling
    // side answers no ping while the probe runs) does not end the session before the switch.
    const h = await startEngine({ pingInterval: 60, pingTimeout: 5000 });
    const { sid, conn } = await pollingSession(h);
    const { ws, frames } = await openProbe(h, sid);
    // Answer pings from the start: one may come right after the switch.
    ws.on("message", (d: Buffer) => {
      if (d.toString() === "2") ws.send("3");
    });
    ws.send("2probe");
    await until(() => frames.length === 1);
    ws.send("5");
    await until(() => conn.transport.name === "websocket");
    let beats = 0;
    conn.on("heartbeat", () => beats++);
    await until(() => beats >= 2);
    expect(conn.readyState).toBe("open");
    ws.close();
  });
});
