import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { CLOSE_TIMEOUT } from "../src/engine/options.js";
import { type EngineSocket, Manager } from "../src/index.js";
import { next, onCleanup, until } from "./helpers.js";
import { HANDSHAKE, type RawPollingOptions, rawPollingServer } from "./raw-polling-server.js";

/** Opens a Manager on a raw polling server; resolves once its first long-poll has arrived. */
async function open(opts: RawPollingOptions, transports: ("polling" | "websocket")[]) {
  const server = await rawPollingServer(opts);
  const manager = new Manager(server.url, { transports, reconnection: false });
  onCleanup(() => manager.close());
  const engine = manager.engine as EngineSocket;
  const upgrading = next(engine, "upgrading");
  await next(manager, "open");
  await until(() => server.requests.some((r) => r.method === "GET" && r.sid !== null));
  return { server, engine, manager, upgrading };
}

/** Milliseconds from now until the engine reports "close", and its reason. */
async function timeClose(engine: EngineSocket, close: () => void): Promise<[number, string]> {
  const start = performance.now();
  const closed = next<[string]>(engine, "close");
  close();
  const [reason] = await closed;
  return [performance.now() - start, reason];
}

// A server whose long-poll GET is never answered (a real server answers it within pingInterval).
const silentPoll = { onPoll: () => {} };

describe("polling: close() waits for requests in flight, but not forever", () => {
  it("a close waits at most CLOSE_TIMEOUT for a POST the server never answers", async () => {
    const { server, engine, manager } = await open({ ...silentPoll, onPost: () => {} }, [
      "polling",
    ]);
    engine.write("last words");
    // The Manager closes at once, as socket.io-client's; the engine first tries to flush.
    const [elapsed, reason] = await timeClose(engine, () => manager.close());
    expect(reason).toBe("forced close");
    expect(elapsed).toBeGreaterThanOrEqual(CLOSE_TIMEOUT - 50);
    expect(elapsed).toBeLessThan(CLOSE_TIMEOUT + 1000);
    const [poll, post] = server.requests.filter((r) => r.sid !== null);
    expect(post?.body).toBe("4last words");
    // Both were cut off, not left open for the life of the process.
    expect(await poll?.closed).toBe(true);
    expect(await post?.closed).toBe(true);
  });

  it("the close request itself is aborted after CLOSE_TIMEOUT when never answered", async () => {
    const { server, engine } = await open(
      { ...silentPoll, onPost: (res, body) => body !== "1" && res.end("ok") },
      ["polling"],
    );
    // Nothing buffered: the engine closes at once and aborts the long-poll.
    const [elapsed] = await timeClose(engine, () => engine.close());
    expect(elapsed).toBeLessThan(500);
    const start = performance.now();
    const poll = server.requests.find((r) => r.method === "GET" && r.sid !== null);
    expect(await poll?.closed).toBe(true);
    expect(performance.now() - start).toBeLessThan(500);
    // The close packet was sent; its request is dropped once CLOSE_TIMEOUT has passed.
    await until(() => server.requests.some((r) => r.body === "1"));
    const closeRequest = server.requests.find((r) => r.body === "1");
    expect(await closeRequest?.closed).toBe(true);
    expect(performance.now() - start).toBeGreaterThanOrEqual(CLOSE_TIMEOUT - 50);
  });

  it("an upgrade stuck on a GET the server never answers does not hold a close", async () => {
    const { server, engine, manager, upgrading } = await open(
      { ...silentPoll, probe: true, handshake: { ...HANDSHAKE, upgrades: ["websocket"] } },
      ["polling", "websocket"],
    );
    // The probe succeeded; pausing polling now waits for the GET, which never ends.
    await upgrading;
    const [elapsed, reason] = await timeClose(engine, () => manager.close());
    expect(reason).toBe("forced close");
    expect(elapsed).toBeGreaterThanOrEqual(CLOSE_TIMEOUT - 50);
    expect(elapsed).toBeLessThan(CLOSE_TIMEOUT + 1000);
    const poll = server.requests.find((r) => r.method === "GET" && r.sid !== null);
    expect(await poll?.closed).toBe(true);
    const [probe] = server.sockets;
    if (probe && probe.readyState !== probe.CLOSED) await once(probe, "close");
  });

  it("a close that can flush at once still closes at once", async () => {
    const { engine } = await open({ ...silentPoll }, ["polling"]);
    engine.write("bye");
    const [elapsed, reason] = await timeClose(engine, () => engine.close());
    expect(reason).toBe("forced close");
    expect(elapsed).toBeLessThan(500);
  });
});
