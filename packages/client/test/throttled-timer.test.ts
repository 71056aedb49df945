import { afterEach, describe, expect, it, vi } from "vitest";
import { connect, next, SERVER_KINDS, startServer, TRANSPORT_MODES } from "./helpers.js";

// A timer that did not fire on time (a throttled background tab, a machine waking from
// sleep): the clock has passed the heartbeat deadline, but the heartbeat timer has not run.
// The connection must be taken as dead when the app emits, as socket.io-client does: the
// emit is buffered, the connection closes with "ping timeout", and the packet goes out on
// the next one. Simulated by moving only the clock (Date) forward; every timer stays real.

afterEach(() => {
  vi.useRealTimers();
});

describe.each(SERVER_KINDS)("a heartbeat deadline passed unnoticed (%s server)", (kind) => {
  describe.each(TRANSPORT_MODES)("over $name", ({ transports }) => {
    it("buffers the emit, reconnects, then sends it", async () => {
      const server = await startServer(
        {},
        (io) => io.on("connection", (s) => s.on("echo", (v, ack) => ack(v))),
        kind,
      );
      const socket = connect(server.url, { transports });
      await next(socket, "connect");
      const firstId = socket.id;
      const reasons: string[] = [];
      socket.on("disconnect", (reason) => reasons.push(reason));
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() + 10 * 60_000);
      const value = await new Promise((resolve) => socket.emit("echo", "late", resolve));
      expect(value).toBe("late");
      expect(reasons).toEqual(["ping timeout"]);
      expect(socket.id).not.toBe(firstId);
    });
  });
});
