// Front conformance: the options that change what a front serves (path, allowUpgrades,
// allowEIO3, httpCompression, transports), and clientsCount.
import { expect } from "vitest";
import { eioUrl, frame, type OpenWs, openWs } from "../front-protocol.js";
import { type CaseContext, expectError } from "./shared.js";

/** Run against OTHER_OPTIONS. */
export function optionCases(ctx: CaseContext): void {
  const { test, base } = ctx;
  const path = "realtime";
  test("the engine answers under its path, with no upgrades offered", async () => {
    const res = await fetch(eioUrl(base(), "transport=polling", path));
    const body = await res.text();
    expect(body[0]).toBe("0");
    const open = JSON.parse(body.slice(1)) as { sid: string; upgrades: string[] };
    expect(open.upgrades).toEqual([]);
    // A WebSocket for the polling session anyway: accepted, then closed.
    const c = await openWs(base(), `transport=websocket&sid=${open.sid}`, path);
    await c.closed;
    expect(c.frames).toEqual([]);
    const posted = await fetch(eioUrl(base(), `transport=polling&sid=${open.sid}`, path), {
      method: "POST",
      body: "40",
    });
    expect(posted.status).toBe(200);
  });

  test("Engine.IO v3 clients: the v3 polling payload and WebSocket", async () => {
    const res = await fetch(eioUrl(base(), "EIO=3&transport=polling", path));
    expect(res.status).toBe(200);
    const body = await res.text();
    const open = /^(\d+):0(\{.*?\})(?=\d+:|$)/.exec(body);
    expect(open?.[2]).toBeDefined();
    expect(Number(open?.[1])).toBe((open?.[2]?.length ?? 0) + 1);
    expect(JSON.parse(open?.[2] ?? "{}")).toMatchObject({ upgrades: [] });
    // socket.io connects a v3 (socket.io v2) client to "/" by itself: "40" comes next.
    const sid = (JSON.parse(open?.[2] ?? "{}") as { sid: string }).sid;
    const rest = body.slice(open?.[0].length);
    const next =
      rest !== ""
        ? rest
        : await (await fetch(eioUrl(base(), `EIO=3&transport=polling&sid=${sid}`, path))).text();
    expect(next).toBe("2:40");
    const c = await openWs(base(), "EIO=3&transport=websocket", path);
    expect((await frame(c, 0)).data).toMatch(/^0\{"sid"/);
    expect((await frame(c, 1)).data).toBe("40");
    c.ws.close();
  });

  test("Engine.IO v3 JSONP polling: ___eio[j](…) answers, d= form POSTs", async () => {
    const url = (query: string) => eioUrl(base(), `EIO=3&transport=polling&j=2${query}`, path);
    const payloadOf = (script: string) =>
      JSON.parse(/^___eio\[2\]\((".*")\);$/s.exec(script)?.[1] ?? '"not a JSONP answer"') as string;
    const res = await fetch(url(""));
    // As engine.io: a JSONP answer is served as text/plain too.
    expect(res.headers.get("content-type")).toBe("text/plain; charset=UTF-8");
    const first = payloadOf(await res.text());
    const open = /^\d+:0(\{.*?\})(?=\d+:|$)/.exec(first);
    const { sid } = JSON.parse(open?.[1] ?? "{}") as { sid: string };
    expect(sid).toEqual(expect.any(String));
    const packet = '421["echo","x"]';
    const posted = await fetch(url(`&sid=${sid}`), {
      method: "POST",
      body: new URLSearchParams({ d: `${packet.length}:${packet}` }),
    });
    expect(await posted.text()).toBe("ok");
    let answers = "";
    for (let i = 0; i < 5 && !answers.includes('431["x"]'); i++) {
      answers += payloadOf(await (await fetch(url(`&sid=${sid}`))).text());
    }
    expect(answers).toContain('8:431["x"]');
  });

  test("httpCompression: false leaves large polling responses as they are", async () => {
    const res = await fetch(eioUrl(base(), "transport=polling", path));
    const { sid } = JSON.parse((await res.text()).slice(1)) as { sid: string };
    const url = eioUrl(base(), `transport=polling&sid=${sid}`, path);
    await fetch(url, { method: "POST", body: "40" });
    await fetch(url);
    await fetch(url, { method: "POST", body: '420["big",3000]' });
    const big = await fetch(url, { headers: { "Accept-Encoding": "gzip" } });
    expect(big.headers.get("content-encoding")).toBeNull();
    expect(await big.text()).toBe(`430["${"x".repeat(3000)}"]`);
  });
}

/** Run against WEBSOCKET_ONLY. */
export function websocketOnlyCases(ctx: CaseContext): void {
  const { test, base } = ctx;
  test("polling is an unknown transport; WebSocket works", async () => {
    await expectError(
      await fetch(eioUrl(base(), "transport=polling")),
      400,
      0,
      "Transport unknown",
    );
    const c = await openWs(base(), "transport=websocket");
    expect(JSON.parse(((await frame(c, 0)).data as string).slice(1))).toMatchObject({
      upgrades: [],
    });
    c.ws.send("40");
    c.ws.send('420["transport"]');
    expect((await frame(c, 2)).data).toBe('430["websocket"]');
    c.ws.close();
  });

  test("clientsCount follows sessions as they open and close", async () => {
    const sessions = await Promise.all([0, 1, 2].map(() => openWs(base(), "transport=websocket")));
    const [probe, ...others] = sessions as [OpenWs, ...OpenWs[]];
    await frame(probe, 0);
    probe.ws.send("40");
    await frame(probe, 1);
    let asked = 0;
    const count = async () => {
      const n = probe.frames.length;
      probe.ws.send(`42${asked++}["count"]`);
      return JSON.parse(((await frame(probe, n)).data as string).replace(/^43\d+/, "")) as [number];
    };
    expect(await count()).toEqual([3]);
    for (const o of others) o.ws.close();
    await Promise.all(others.map((o) => o.closed));
    let last: [number] = [3];
    for (let i = 0; i < 100 && last[0] !== 1; i++) {
      last = await count();
      if (last[0] !== 1) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(last).toEqual([1]);
    probe.ws.close();
  });
}
