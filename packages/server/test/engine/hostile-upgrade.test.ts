import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  collect,
  delay,
  once,
  openProbe,
  pollingSession,
  runCleanups,
  startEngine,
  until,
} from "./helpers.js";

afterEach(runCleanups);

describe("upgrade in orders a conforming client never uses", () => {
  it("a POST still streaming when the upgrade completes is not acknowledged with ok", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const messages = collect<string>(conn, "message");
    const closes = collect<string>(conn, "close");
    const post = request(h.url(`transport=polling&sid=${sid}`), {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
    const answer = new Promise<number | undefined>((resolve) => {
      post.on("response", (res) => {
        res.resume();
        resolve(res.statusCode);
      });
    });
    post.write("4first");
    const { ws, frames } = await openProbe(h, sid);
    ws.send("2probe");
    await until(() => frames.length === 1);
    ws.send("5");
    await until(() => conn.transport.name === "websocket");
    post.end("\x1e4second");
    // Its packets were dropped with the polling transport: the client must not think
    // they arrived.
    expect(await answer).toBe(400);
    expect(messages).toEqual([]);
    // The session itself goes on over the WebSocket.
    ws.send("4after");
    await until(() => messages.length === 1);
    expect(messages).toEqual(["after"]);
    expect(closes).toEqual([]);
    ws.close();
  });

  it("an upgrade packet without a probe switches at once and releases the waiting GET", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const messages = collect<string>(conn, "message");
    const waiting = fetch(h.url(`transport=polling&sid=${sid}`)).then((r) => r.text());
    await delay(20);
    const { ws, frames } = await openProbe(h, sid);
    ws.send("5");
    await until(() => conn.transport.name === "websocket");
    expect(await waiting).toBe("6");
    conn.send("hi");
    ws.send("4yo");
    await until(() => frames.length === 1 && messages.length === 1);
    expect(String(frames[0])).toBe("4hi");
    expect(messages).toEqual(["yo"]);
    ws.close();
  });

  it("a probe closed after 2probe gives the packets it held back to polling", async () => {
    const h = await startEngine();
    const { sid, conn } = await pollingSession(h);
    const closes = collect<string>(conn, "close");
    const { ws, frames } = await openProbe(h, sid);
    ws.send("2probe");
    await until(() => frames.length === 1);
    conn.send("held");
    ws.close();
    await once(ws, "close");
    const body = await fetch(h.url(`transport=polling&sid=${sid}`)).then((r) => r.text());
    expect(body).toBe("4held");
    expect(conn.transport.name).toBe("polling");
    expect(closes).toEqual([]);
  });
});
