import type { Server } from "socket.io";
import { describe, expect, it } from "vitest";
import { connect, next, SERVER_KINDS, startServer, TRANSPORT_MODES, until } from "./helpers.js";

/** Acks each message only on its `okOn`-th delivery; records every delivery. */
function flaky(deliveries: unknown[], okOn: number) {
  const seen = new Map<string, number>();
  return (io: Server) => {
    io.on("connection", (socket) => {
      socket.on("job", (v: string, ack: (r: string) => void) => {
        deliveries.push(v);
        const n = (seen.get(v) ?? 0) + 1;
        seen.set(v, n);
        if (n >= okOn) ack(`done ${v}`);
      });
    });
  };
}

describe.each(SERVER_KINDS)("against %s", (kind) => {
  describe.each(TRANSPORT_MODES)("over $name", ({ transports }) => {
    it("retries each packet until acked, one in flight at a time, in order", async () => {
      const deliveries: unknown[] = [];
      const server = await startServer({}, flaky(deliveries, 2), kind);
      const socket = connect(server.url, { transports, ackTimeout: 150, retries: 5 });
      const results: unknown[][] = [];
      for (const v of ["a", "b", "c"]) {
        socket.emit("job", v, (err: Error | null, r: string) => results.push([err, r]));
      }
      await until(() => results.length === 3);
      // At-least-once: an ack that loses the race with its timeout means one more delivery,
      // but packets never overtake each other and each one reached its second delivery.
      expect(deliveries).toEqual([...deliveries].sort());
      for (const v of ["a", "b", "c"]) {
        expect(deliveries.filter((d) => d === v).length).toBeGreaterThanOrEqual(2);
      }
      expect(results).toEqual([
        [null, "done a"],
        [null, "done b"],
        [null, "done c"],
      ]);
    });

    it("gives the ack an error once the retries are spent, then moves on", async () => {
      const deliveries: unknown[] = [];
      const server = await startServer({}, flaky(deliveries, 100), kind);
      const socket = connect(server.url, { transports, ackTimeout: 40, retries: 2 });
      const [err] = await new Promise<unknown[]>((resolve) =>
        socket.emit("job", "x", (...args: unknown[]) => resolve(args)),
      );
      expect((err as Error).message).toBe("operation has timed out");
      expect(deliveries).toEqual(["x", "x", "x"]);
      await expect(socket.emitWithAck("job", "y")).rejects.toThrow("operation has timed out");
    });

    it("emitWithAck resolves with the value when retries succeed", async () => {
      const deliveries: unknown[] = [];
      const server = await startServer({}, flaky(deliveries, 2), kind);
      const socket = connect(server.url, { transports, ackTimeout: 150, retries: 3 });
      expect(await socket.emitWithAck("job", "z")).toBe("done z");
      expect(deliveries.length).toBeGreaterThanOrEqual(2);
      expect(new Set(deliveries)).toEqual(new Set(["z"]));
    });

    it("queues while disconnected and resends the packet in flight after a reconnect", async () => {
      const deliveries: unknown[] = [];
      const server = await startServer({}, flaky(deliveries, 2), kind);
      const socket = connect(server.url, {
        transports,
        ackTimeout: 300,
        retries: 5,
        autoConnect: false,
      });
      const results: unknown[] = [];
      socket.emit("job", "first", (_e: unknown, r: string) => results.push(r));
      socket.emit("job", "second", (_e: unknown, r: string) => results.push(r));
      socket.connect();
      // "first" is delivered once and not acked; drop the connection to force a resend.
      await until(() => deliveries.length === 1);
      const dropped = next(socket, "disconnect");
      for (const s of server.io.sockets.sockets.values()) s.conn.close();
      await dropped;
      await until(() => results.length === 2);
      expect(results).toEqual(["done first", "done second"]);
      expect(deliveries.slice(0, 2)).toEqual(["first", "first"]);
      expect(deliveries).toEqual([...deliveries].sort());
    });
  });
});

describe("retries without ackTimeout", () => {
  it("still resolves emitWithAck with the value (acks are error-first internally)", async () => {
    const server = await startServer({}, (io) =>
      io.on("connection", (s) => s.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v))),
    );
    const socket = connect(server.url, { retries: 2 });
    expect(await socket.emitWithAck("echo", "v")).toBe("v");
  });
});

describe("ackTimeout without retries", () => {
  it("makes acks error-first and times them out", async () => {
    const server = await startServer({}, (io) =>
      io.on("connection", (s) => s.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v))),
    );
    const socket = connect(server.url, { ackTimeout: 300 });
    await next(socket, "connect");
    expect(await socket.emitWithAck("echo", 7)).toBe(7);
    const [err] = await new Promise<unknown[]>((resolve) =>
      socket.emit("nobody", (...args: unknown[]) => resolve(args)),
    );
    expect((err as Error).message).toBe("operation has timed out");
  });

  it("errors pending acks with 'socket has been disconnected' when the connection drops", async () => {
    const server = await startServer();
    const socket = connect(server.url, { transports: ["websocket"], ackTimeout: 10_000 });
    await next(socket, "connect");
    const pending = new Promise<unknown[]>((resolve) =>
      socket.emit("nobody", (...args: unknown[]) => resolve(args)),
    );
    await until(() => server.io.sockets.sockets.size === 1);
    for (const s of server.io.sockets.sockets.values()) s.conn.close();
    const [err] = await pending;
    expect((err as Error).message).toBe("socket has been disconnected");
  });
});
